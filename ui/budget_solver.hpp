#pragma once
// Solves budget requests (solveBudget) off the GUI thread, newest first (NewestRequestRunner), so
// typing a budget never queues work or shows an outdated figure.
#include "budget_solution.hpp"
#include "newest_request_runner.hpp"

#include <QObject>

namespace loftq::ui {

class BudgetSolver : public QObject {
    Q_OBJECT
public:
    explicit BudgetSolver(QObject* parent = nullptr);

    void solve(const BudgetRequest& request);
    // Drops a waiting request; a solve in progress finishes but is not delivered.
    void discard();

signals:
    void solved(const loftq::ui::BudgetSolution& solution);

private:
    // The DP polls no cancel flag; its work is bounded by layers x options x 2^18 columns
    // (kDefaultBudgetColumns), so a newer request waits for it.
    NewestRequestRunner<BudgetRequest, BudgetSolution> runner_;
};

} // namespace loftq::ui
