#pragma once
// Starts LoftQ runs (measure-only or export) on a worker thread and relays their progress to the
// GUI thread by value. Cancel sets an atomic the engine polls between steps; destroying the
// controller cancels a run and joins the thread.
#include "loftq/checkpoint.hpp"
#include "loftq/runner.hpp"
#include "run_calibration.hpp"

#include <QObject>
#include <QThread>
#include <atomic>
#include <memory>

namespace loftq::ui {

class RunWorker;

class RunController : public QObject {
    Q_OBJECT
public:
    explicit RunController(QObject* parent = nullptr);
    ~RunController() override;

    bool isRunning() const { return running_; }
    bool isExporting() const { return running_ && exporting_; }
    // Whether the run going on (or the last one) measures output errors: it has calibration statistics.
    bool measuresOutput() const { return measuresOutput_; }
    // The calibration of the run going on (none once it stopped: it holds the statistics).
    const RunCalibration& calibration() const { return calibration_; }
    // Ignored while a run is going on (the GUI disables starting then). `calibration` (none by
    // default: plain LoftQ) is held by the run until it ends.
    void start(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan, const RunOptions& options,
               const RunCalibration& calibration = {});
    void cancel();

signals:
    void started(bool exporting);
    void progress(const loftq::ProgressEvent& event);
    void finished(const loftq::RunReport& report);
    void failed(const QString& message);
    void cancelled();
    // After finished, failed or cancelled.
    void stopped();

private:
    void markStopped();

    std::atomic<bool> cancel_{false};
    QThread thread_;
    RunWorker* worker_ = nullptr; // lives in thread_, deleted when it finishes
    bool running_ = false;
    bool exporting_ = false;
    bool measuresOutput_ = false;
    RunCalibration calibration_;
};

} // namespace loftq::ui
