#pragma once
// Runs one LoftQ job on the worker thread it lives in. Everything it reports is a copy sent through
// queued signals; it touches nothing of the GUI.
#include "loftq/checkpoint.hpp"
#include "loftq/runner.hpp"
#include "run_calibration.hpp"

#include <QObject>
#include <atomic>
#include <memory>

namespace loftq::ui {

class RunWorker : public QObject {
    Q_OBJECT
public:
    explicit RunWorker(const std::atomic<bool>* cancel) : cancel_(cancel) {}

    // Call on the worker's thread (the controller queues it there).
    // `calibration` (its statistics) is held until the run ends.
    void run(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan, RunOptions options,
             const RunCalibration& calibration);

signals:
    void progress(const loftq::ProgressEvent& event);
    void finished(const loftq::RunReport& report);
    void failed(const QString& message);
    void cancelled();

private:
    const std::atomic<bool>* cancel_;
};

} // namespace loftq::ui
