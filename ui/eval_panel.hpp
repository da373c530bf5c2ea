#pragma once
// The evaluation tab: choose a text file, the window length and how many tokens, then evaluate the
// original, the last run's result (nothing exported: its layers are computed again as the run did)
// or an export folder against the original, in the background with progress and cancel. Shows the
// figures side by side (original, QLoRA init, LoftQ), the KL along the text, the worst predictions
// in their text, and the history of this session's evaluations, which "Save history" writes as JSON.
#include "eval_controller.hpp"

#include <QWidget>
#include <optional>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableView;

namespace loftq::ui {

class EvalHistoryModel;
class EvalKlChart;
class EvalMetricsModel;
class EvalWorstModel;
class PlanDocument;
class RunController;
class WorkbenchSettings;

class EvalPanel : public QWidget {
    Q_OBJECT
public:
    EvalPanel(const PlanDocument& document, RunController& runs, WorkbenchSettings& settings, QWidget* parent = nullptr);
    ~EvalPanel() override;

    void setThreads(int threads) { threads_ = threads; }
    void setTextFile(const QString& path);
    QString textFile() const;

    void evaluateOriginal();
    void evaluateRun();
    void evaluateExport(const QString& path);
    void cancel();
    bool hasRunResult() const;
    // Writes the history as JSON (format loftq-eval-history); false, with the reason shown, on failure.
    bool saveHistory(const QString& path);

    EvalController* controller() const { return controller_; }
    EvalMetricsModel* metricsModel() const { return metrics_; }
    EvalWorstModel* worstModel() const { return worst_; }
    EvalHistoryModel* historyModel() const { return history_; }
    EvalKlChart* klChart() const { return chart_; }
    QSpinBox* contextBox() const { return context_; }
    QSpinBox* tokensBox() const { return tokens_; }
    QPushButton* originalButton() const { return evalOriginal_; }
    QPushButton* runButton() const { return evalRun_; }
    QPushButton* exportButton() const { return evalExport_; }
    QPushButton* cancelButton() const { return cancel_; }
    QLabel* statusLabel() const { return status_; }

private:
    // The run whose result "Evaluate run" reads: its checkpoint, plan and calibration (which holds
    // the statistics) from when it started.
    struct RunSnapshot {
        std::shared_ptr<const Checkpoint> checkpoint;
        Plan plan;
        RunResultCalibration calibration;
        std::optional<RunReport> report; // set when it finished
    };

    void start(EvalSubject subject, const QString& exportPath = {});
    void showOutcome(const EvalOutcome& outcome);
    void updateButtons();
    void updateRecentTexts();
    void chooseTextFile();
    void chooseExport();
    void chooseHistoryFile();

    const PlanDocument& document_;
    WorkbenchSettings& settings_;
    int threads_ = 1;
    std::optional<RunSnapshot> starting_, run_;

    EvalController* controller_;
    EvalMetricsModel* metrics_;
    EvalWorstModel* worst_;
    EvalHistoryModel* history_;
    EvalKlChart* chart_;
    QComboBox* text_;
    QSpinBox* context_;
    QSpinBox* tokens_;
    QPushButton* evalOriginal_;
    QPushButton* evalRun_;
    QPushButton* evalExport_;
    QPushButton* cancel_;
    QPushButton* saveHistory_;
    QProgressBar* bar_;
    QLabel* status_;
};

} // namespace loftq::ui
