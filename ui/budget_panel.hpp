#pragma once
// The budget control (docs/gui.md, "Plan for a budget"): a budget as average bits or a size, the
// bits (and optionally ranks) each layer may take; "Measure" measures every layer at every allowed
// setting in the background; from then on each budget is solved again at once on those curves,
// showing the planned bits, size and expected error beside the paper's mixed:K; "Apply" writes the
// choice as per-layer overrides into the plan. Curves go stale when the checkpoint changes or an edit
// changes what they were measured from (quantizer, block size, kept layers, ranks, calibration).
// With calibration statistics chosen (the calibration panel) the curves hold output errors, as
// `loftq plan --calib` measures them, and the expected error says which error it is.
#include "budget_curves.hpp"
#include "budget_solution.hpp"
#include "loftq/planned_vs_measured.hpp"

#include <QWidget>
#include <functional>
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

    // The calibration to plan with (the calibration panel's runCalibration): empty, with the
    // reason, while the chosen statistics are not ready. Without a source: weight error.
    using CalibrationSource = std::function<std::optional<RunCalibration>(QString* problem)>;
    void setCalibrationSource(CalibrationSource source);
    // Drops the curves when what they were measured from changed (the plan, the calibration).
    void checkCurves();

    void setThreads(int threads) { threads_ = threads; }
    QLineEdit* budgetEdit() const { return budget_; }
    QLineEdit* ranksEdit() const { return ranks_; }
    QCheckBox* bitsBox(int bits) const;
    QPushButton* measureButton() const { return measure_; }
    QPushButton* applyButton() const { return apply_; }
    QLabel* resultLabel() const { return result_; }
    QLabel* runCheckLabel() const { return runCheck_; }
    bool hasCurves() const { return curves_.has_value(); }
    // What the last run measured beside what the planner expected of its plan; hidden when the run's
    // plan carried no expectation.
    void showRunCheck(const std::optional<PlannedVsMeasured>& comparison);
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
    void dropSolution(const QString& message);
    std::vector<int> allowedBits() const;
    std::optional<RunCalibration> calibration(QString* problem = nullptr) const;
    // What curves measured with `options` would be measured from now; empty while the chosen
    // statistics are not ready.
    std::optional<CurveInputs> currentInputs(const BudgetOptions& options) const;
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
    QLabel* runCheck_;
    QPushButton* apply_;
    std::optional<MeasuredCurves> measuring_; // what the running measurement was started from
    std::optional<MeasuredCurves> curves_;
    std::optional<BudgetSolution> solution_;
    int threads_ = 1;
    CalibrationSource calibration_;
};

} // namespace loftq::ui
