#pragma once
// Prepares calibration statistics off the GUI thread (prepareCalibration), as EvalController
// evaluates: QtConcurrent with a QPromise for progress, a QFutureWatcher to deliver the outcome by
// value, cancel as an atomic the engine polls between blocks, cancel-and-wait in the destructor
// (closing the window joins it). A request made while one runs replaces it: the running one is
// cancelled and not delivered. Statistics collected from a text go into the work folder, one new
// file each, removed when the last holder of the statistics lets go of them.
#include "calibration_job.hpp"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <optional>

namespace loftq::ui {

class CalibrationController : public QObject {
    Q_OBJECT
public:
    static constexpr int kProgressSteps = 1000;

    // Empty `workFolder`: the user's cache folder (on disk, not in a RAM-backed /tmp: a 7B model's
    // statistics take 11 GB).
    explicit CalibrationController(const QString& workFolder = {}, QObject* parent = nullptr);
    ~CalibrationController() override;

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
    int collections_ = 0; // names each collected file
    std::atomic<bool> cancel_{false};
    QFutureWatcher<CalibrationOutcome> watcher_;
    std::optional<CalibrationRequest> pending_; // replaces the running request once it has stopped
    bool busy_ = false;
};

} // namespace loftq::ui
