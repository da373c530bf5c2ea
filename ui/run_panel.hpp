#pragma once
// The strip under the workspace: Run and Cancel, a progress bar with the ETA, what is being
// computed now, and a summary when the run ends.
#include "loftq/planned_vs_measured.hpp"

#include <QWidget>
#include <optional>

class QAction;
class QLabel;
class QProgressBar;
class QSpinBox;

namespace loftq::ui {

class RunResults;

class RunPanel : public QWidget {
    Q_OBJECT
public:
    RunPanel(const RunResults& results, QAction* run, QAction* cancel, QWidget* parent = nullptr);

    int threads() const;
    void setThreads(int threads);
    // `planned`: the budget planner's expectation of the run's plan beside what the run measured.
    void showFinished(const RunReport& report, const std::optional<PlannedVsMeasured>& planned = std::nullopt);
    void showStopped(const QString& why);

signals:
    void threadsChanged(int threads);

private:
    void showProgress();

    const RunResults& results_;
    QProgressBar* bar_;
    QLabel* status_;
    QSpinBox* threads_;
};

} // namespace loftq::ui
