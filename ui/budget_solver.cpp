#include "budget_solver.hpp"

#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {

BudgetSolver::BudgetSolver(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<BudgetSolution>::finished, this, &BudgetSolver::deliver);
}

// The DP polls no cancel flag; its work is bounded by layers x options x 2^18 columns (kDefaultBudgetColumns).
BudgetSolver::~BudgetSolver() { watcher_.waitForFinished(); }

void BudgetSolver::solve(const BudgetRequest& request)
{
    pending_ = request;
    discarded_ = false;
    if (!watcher_.isRunning())
        startNext();
}

void BudgetSolver::discard()
{
    pending_.reset();
    discarded_ = true;
}

void BudgetSolver::startNext()
{
    const BudgetRequest next = std::move(*pending_);
    pending_.reset();
    watcher_.setFuture(QtConcurrent::run(solveBudget, next));
}

void BudgetSolver::deliver()
{
    if (pending_) {
        startNext();
        return;
    }
    if (!std::exchange(discarded_, false))
        emit solved(watcher_.result());
}

} // namespace loftq::ui
