#pragma once
// The budget control (docs/gui.md, "Plan for a budget"): a budget as average bits or a size, the
// bits (and optionally ranks) each layer may take; "Measure" measures every layer at every allowed
// setting in the background; from then on each budget is solved again at once on those curves,
// showing the planned bits, size and expected error beside the paper's mixed:K; "Apply" writes the
// choice as per-layer overrides into the plan. Curves go stale when the checkpoint changes or an edit
// changes what they were measured from (quantizer, block size, kept layers, ranks).
#include "budget_curves.hpp"
#include "budget_solution.hpp"

#include <QWidget>
#include <optional>

class QCheckBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;

namespace loftq::ui {

class BudgetMeasurer;
class BudgetSolver;
class PlanDocument;

class BudgetPanel : public QWidget {
    Q_OBJECT
public:
    explicit BudgetPanel(PlanDocument& document, QWidget* parent = nullptr);

    void setThreads(int threads) { threads_ = threads; }
    QLineEdit* budgetEdit() const { return budget_; }
    QLineEdit* ranksEdit() const { return ranks_; }
    QCheckBox* bitsBox(int bits) const;
    QPushButton* measureButton() const { return measure_; }
    QPushButton* applyButton() const { return apply_; }
    QLabel* resultLabel() const { return result_; }
    bool hasCurves() const { return curves_.has_value(); }
    // The solution shown, when it matches the current fields and curves.
    const std::optional<BudgetSolution>& solution() const { return solution_; }

signals:
    // A new solution is shown, or the one shown no longer applies.
    void solutionChanged();

private:
    void measureOrCancel();
    void measured(std::shared_ptr<const std::vector<LayerCurve>> curves);
    void measureStopped(const QString& message);
    void solve();
    void showSolution(const BudgetSolution& solution);
    void apply();
    void checkCurves();
    void dropSolution(const QString& message);
    std::vector<int> allowedBits() const;
    void setMeasuring(bool measuring);

    PlanDocument& document_;
    BudgetMeasurer* measurer_;
    BudgetSolver* solver_;
    QLineEdit* budget_;
    QList<QCheckBox*> bits_;
    QLineEdit* ranks_;
    QPushButton* measure_;
    QProgressBar* bar_;
    QLabel* result_;
    QPushButton* apply_;
    std::optional<MeasuredCurves> measuring_; // what the running measurement was started from
    std::optional<MeasuredCurves> curves_;
    std::optional<BudgetSolution> solution_;
    int threads_ = 1;
};

} // namespace loftq::ui
