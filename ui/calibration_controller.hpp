#pragma once
// Prepares calibration statistics off the GUI thread (prepareCalibration), as EvalController
// evaluates: QtConcurrent with a QPromise for progress, a QFutureWatcher to deliver the outcome by
// value (from a slot of its own, so that no copy of the statistics stays behind in the future),
// cancel as an atomic the engine polls between blocks, cancel-and-wait in the destructor (closing
// the window joins it). A request made while one runs replaces it: the running one is cancelled
// and not delivered. Statistics collected from a text go into the work folder, one new file each,
// removed when the last holder of the statistics lets go of them.
#include "calibration_job.hpp"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>

namespace loftq::ui {

class CalibrationController : public QObject {
    Q_OBJECT
public:
    static constexpr int kProgressSteps = 1000;

    // Collected files go into a folder named by this process's id under `workFolder` (empty: the
    // user's cache folder: on disk, not in a RAM-backed /tmp, for a 7B model's take 11 GB); the
    // folders of processes that ended without removing theirs are removed before a collection.
    explicit CalibrationController(const QString& workFolder = {}, QObject* parent = nullptr);
    ~CalibrationController() override;

    // This process's folder of collected files.
    QString workFolder() const { return workFolder_; }
    bool isBusy() const { return busy_; }
    void collect(std::shared_ptr<const Checkpoint> checkpoint, const QString& textFile, const EvalOptions& windows);
    void load(std::shared_ptr<const Checkpoint> checkpoint, const QString& statsFile);
    // Stops the running request (and forgets a waiting one); `cancelled` follows.
    void cancel();

signals:
    void progress(double fraction, const QString& what);
    void ready(const loftq::ui::CalibrationOutcome& outcome);
    void failed(const QString& message);
    void cancelled();
    // After ready, failed or cancelled.
    void stopped();

private:
    void request(CalibrationRequest request);
    void startNow(CalibrationRequest request);
    void deliver();

    QString workFolder_;
    std::atomic<bool> cancel_{false};
    QFutureWatcher<void> watcher_;
    std::shared_ptr<CalibrationOutcome> result_; // filled by the running request
    std::optional<CalibrationRequest> pending_; // replaces the running request once it has stopped
    bool busy_ = false;
};

} // namespace loftq::ui
