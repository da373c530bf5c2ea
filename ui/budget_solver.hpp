#pragma once
// Solves budget requests (solveBudget) off the GUI thread, newest first: a request made while one
// is being solved waits, replacing any older waiting one, and only the newest solution is delivered,
// so typing a budget never queues work or shows an outdated figure.
#include "budget_solution.hpp"

#include <QFutureWatcher>
#include <QObject>
#include <optional>

namespace loftq::ui {

class BudgetSolver : public QObject {
    Q_OBJECT
public:
    explicit BudgetSolver(QObject* parent = nullptr);
    ~BudgetSolver() override;

    void solve(const BudgetRequest& request);
    // Drops a waiting request; a solve in progress finishes but is not delivered.
    void discard();

signals:
    void solved(const loftq::ui::BudgetSolution& solution);

private:
    void startNext();
    void deliver();

    QFutureWatcher<BudgetSolution> watcher_;
    std::optional<BudgetRequest> pending_;
    bool discarded_ = false;
};

} // namespace loftq::ui
