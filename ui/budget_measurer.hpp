#pragma once
// Measures the budget curves (every target at every allowed setting: LoftQ per layer per setting,
// seconds to minutes) off the GUI thread, the way Qt's primecounter example does: QtConcurrent with
// a QPromise for progress, a QFutureWatcher to deliver, cancel as an atomic the engine polls, and
// cancel-and-wait in the destructor. One measurement at a time.
#include "loftq/budget.hpp"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <vector>

namespace loftq::ui {

struct MeasureRequest {
    std::shared_ptr<const Checkpoint> checkpoint;
    Plan plan;
    BudgetOptions options;
    std::shared_ptr<const CalibrationStats> calibration; // what options.calibration points at, held here
};

struct MeasureOutcome {
    std::shared_ptr<const std::vector<LayerCurve>> curves; // null when it failed or was cancelled
    QString error;                                         // empty when cancelled
};

class BudgetMeasurer : public QObject {
    Q_OBJECT
public:
    explicit BudgetMeasurer(QObject* parent = nullptr);
    ~BudgetMeasurer() override;

    bool isMeasuring() const { return measuring_; }
    // Ignored while a measurement runs.
    void start(const MeasureRequest& request);
    void cancel();

signals:
    void progress(int done, int total, const QString& tensorName);
    void measured(std::shared_ptr<const std::vector<loftq::LayerCurve>> curves);
    void failed(const QString& message);
    void cancelled();

private:
    void deliver();

    std::atomic<bool> cancel_{false};
    QFutureWatcher<MeasureOutcome> watcher_;
    bool measuring_ = false; // from start() until its outcome is delivered
};

} // namespace loftq::ui
