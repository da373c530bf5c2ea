#include "budget_solver.hpp"

namespace loftq::ui {

BudgetSolver::BudgetSolver(QObject* parent)
    : QObject(parent),
      runner_(this, [](const BudgetRequest& request, const std::atomic<bool>*) { return solveBudget(request); },
              [this](const BudgetSolution& solution) { emit solved(solution); })
{
}

void BudgetSolver::solve(const BudgetRequest& request) { runner_.request(request); }

void BudgetSolver::discard() { runner_.discard(); }

} // namespace loftq::ui
