#pragma once
// The plan panel's calibration (docs/calibration.md): where the statistics of output-aware LoftQ
// come from (none, a text collected on the open checkpoint, or a statistics file), the damping and
// the objective of the next run. Statistics are prepared in the background with progress and
// Cancel (CalibrationController) and checked against the checkpoint, so a bad file or a text too
// short is refused here, before any run. Every choice is remembered in WorkbenchSettings.
#include "run_calibration.hpp"
#include "workbench_settings.hpp"

#include <QString>
#include <QWidget>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;

namespace loftq::ui {

class CalibrationController;
struct CalibrationOutcome;
class PlanDocument;

class CalibrationPanel : public QWidget {
    Q_OBJECT
public:
    CalibrationPanel(const PlanDocument& document, WorkbenchSettings& settings, QWidget* parent = nullptr);
    ~CalibrationPanel() override;

    void setThreads(int threads) { threads_ = threads; }
    CalibrationSource source() const;
    void setSource(CalibrationSource source);
    // Chooses a text and collects its statistics on the open checkpoint.
    void useTextFile(const QString& path);
    // Chooses a statistics file and reads and checks it.
    void useStatisticsFile(const QString& path);
    // Collects or reads the chosen file again (e.g. for another checkpoint).
    void prepare();
    void cancel();
    bool isBusy() const;
    bool hasStatistics() const { return stats_ != nullptr; }

    // What the next run uses: plain LoftQ without a source; null, with the reason in `problem`,
    // while the chosen statistics are not ready or the damping is not a number >= 0.
    std::optional<RunCalibration> runCalibration(QString* problem = nullptr) const;
    // "off", "output" or "weight", for the plan panel's button.
    QString shortState() const;

    CalibrationController* controller() const { return controller_; }
    QComboBox* sourceBox() const { return sourceBox_; }
    QLineEdit* fileEdit() const { return file_; }
    QSpinBox* tokensBox() const { return tokens_; }
    QSpinBox* contextBox() const { return context_; }
    QComboBox* objectiveBox() const { return objective_; }
    QLineEdit* dampingEdit() const { return damping_; }
    QPushButton* prepareButton() const { return prepare_; }
    QPushButton* cancelButton() const { return cancel_; }
    QLabel* statusLabel() const { return status_; }

signals:
    // The statistics, the objective or the damping changed (the next run's calibration).
    void calibrationChanged();

private:
    void sourceChosen();
    void chooseFile();
    void showReady(const CalibrationOutcome& outcome);
    void showFailure(const QString& message);
    bool isCurrent() const;
    void showStatus(const QString& text, bool isError = false);
    void forgetStatistics();
    void updateControls();
    std::optional<double> damping(bool* valid) const;

    const PlanDocument& document_;
    WorkbenchSettings& settings_;
    int threads_ = 1;
    std::shared_ptr<const CalibrationStats> stats_; // ready statistics of the chosen file, for the open checkpoint
    QString statsName_;                             // how the run's report names them
    // The checkpoint of the request in progress; null once the source or the checkpoint changed,
    // so that an outcome that arrives anyway (cancelled too late) is dropped.
    const Checkpoint* preparingFor_ = nullptr;

    CalibrationController* controller_;
    QComboBox* sourceBox_;
    QLineEdit* file_;
    QPushButton* browse_;
    QPushButton* prepare_;
    QSpinBox* tokens_;
    QSpinBox* context_;
    QComboBox* objective_;
    QLineEdit* damping_;
    QPushButton* cancel_;
    QProgressBar* bar_;
    QLabel* status_;
};

} // namespace loftq::ui
