#include "calibration_controller.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QPromise>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {
namespace {

// Numbers the collected files of this process, across controllers (each window has one).
std::atomic<int> collections{0};

// The outcome goes into `slot` rather than into the future, which would keep a copy (and so a
// collected file) until the next request.
void prepareInBackground(QPromise<void>& promise, const CalibrationRequest& request, const std::atomic<bool>* cancel,
                         const std::shared_ptr<CalibrationOutcome>& slot)
{
    promise.setProgressRange(0, CalibrationController::kProgressSteps);
    auto report = [&promise](double fraction, const std::string& what) {
        promise.setProgressValueAndText(int(fraction * CalibrationController::kProgressSteps),
                                        QString::fromStdString(what));
    };
    *slot = prepareCalibration(request, report, cancel);
}

} // namespace

CalibrationController::CalibrationController(const QString& workFolder, QObject* parent)
    : QObject(parent),
      workFolder_(QDir(workFolder.isEmpty()
                           ? QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)).filePath("calibration")
                           : workFolder)
                      .filePath(QString::number(QCoreApplication::applicationPid())))
{
    connect(&watcher_, &QFutureWatcher<void>::progressValueChanged, this, [this](int value) {
        if (!pending_)
            emit progress(double(value) / kProgressSteps, watcher_.progressText());
    });
    connect(&watcher_, &QFutureWatcher<void>::finished, this, &CalibrationController::deliver);
}

CalibrationController::~CalibrationController()
{
    cancel_ = true;
    watcher_.waitForFinished();
    QDir().rmdir(workFolder_); // once empty: statistics still held elsewhere keep it until they go
}

void CalibrationController::collect(std::shared_ptr<const Checkpoint> checkpoint, const QString& textFile,
                                    const EvalOptions& windows)
{
    CalibrationRequest r;
    r.checkpoint = std::move(checkpoint);
    r.textFile = textFile.toStdString();
    r.windows = windows;
    // A name no earlier collection of this process used: collectCalibration refuses an existing file.
    r.collectedFile =
        QDir(workFolder_).filePath(QStringLiteral("calibration-%1.safetensors").arg(++collections)).toStdString();
    request(std::move(r));
}

void CalibrationController::load(std::shared_ptr<const Checkpoint> checkpoint, const QString& statsFile)
{
    CalibrationRequest r;
    r.checkpoint = std::move(checkpoint);
    r.statsFile = statsFile.toStdString();
    request(std::move(r));
}

void CalibrationController::request(CalibrationRequest request)
{
    if (!request.checkpoint)
        return;
    if (busy_) {
        pending_ = std::move(request);
        cancel_ = true; // deliver() starts the waiting request once this one has stopped
        return;
    }
    startNow(std::move(request));
}

void CalibrationController::startNow(CalibrationRequest request)
{
    cancel_ = false;
    busy_ = true;
    result_ = std::make_shared<CalibrationOutcome>();
    watcher_.setFuture(QtConcurrent::run(prepareInBackground, std::move(request), &cancel_, result_));
}

void CalibrationController::cancel()
{
    pending_.reset();
    cancel_ = true;
}

void CalibrationController::deliver()
{
    // Moved out of the slot, so collected statistics nobody holds any more are removed at once.
    const CalibrationOutcome outcome = std::move(*result_);
    result_.reset();
    if (pending_) {
        auto next = std::move(*pending_);
        pending_.reset();
        startNow(std::move(next));
        return;
    }
    busy_ = false;
    if (outcome.cancelled)
        emit cancelled();
    else if (!outcome.error.empty())
        emit failed(QString::fromStdString(outcome.error));
    else
        emit ready(outcome);
    emit stopped();
}

} // namespace loftq::ui
