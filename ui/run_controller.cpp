#include "run_controller.hpp"
#include "meta_types.hpp"
#include "run_worker.hpp"

namespace loftq::ui {

RunController::RunController(QObject* parent) : QObject(parent)
{
    registerMetaTypes();
    thread_.setObjectName("loftq-run");
    worker_ = new RunWorker(&cancel_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    // Queued: the worker emits on its thread; these slots run on the GUI thread, in order.
    connect(worker_, &RunWorker::progress, this, &RunController::progress);
    connect(worker_, &RunWorker::finished, this, [this](const RunReport& report) {
        markStopped();
        emit finished(report);
        emit stopped();
    });
    connect(worker_, &RunWorker::failed, this, [this](const QString& message) {
        markStopped();
        emit failed(message);
        emit stopped();
    });
    connect(worker_, &RunWorker::cancelled, this, [this] {
        markStopped();
        emit cancelled();
        emit stopped();
    });
    thread_.start();
}

RunController::~RunController()
{
    cancel_ = true;
    thread_.quit();
    thread_.wait();
}

void RunController::start(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan, const RunOptions& options,
                          const RunCalibration& calibration)
{
    if (running_ || !checkpoint)
        return;
    running_ = true;
    exporting_ = !options.outputDir.empty();
    measuresOutput_ = calibration.stats != nullptr;
    calibration_ = calibration;
    cancel_ = false;
    QMetaObject::invokeMethod(worker_, [worker = worker_, checkpoint, plan, options, calibration] {
        worker->run(checkpoint, plan, options, calibration);
    }, Qt::QueuedConnection);
    emit started(exporting_);
}

void RunController::cancel()
{
    if (running_)
        cancel_ = true;
}

void RunController::markStopped()
{
    running_ = false;
    exporting_ = false;
    calibration_ = {};
}

} // namespace loftq::ui
