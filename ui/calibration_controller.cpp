#include "calibration_controller.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QPromise>
#include <QStandardPaths>
#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {
namespace {

void prepareInBackground(QPromise<CalibrationOutcome>& promise, const CalibrationRequest& request,
                         const std::atomic<bool>* cancel)
{
    promise.setProgressRange(0, CalibrationController::kProgressSteps);
    auto report = [&promise](double fraction, const std::string& what) {
        promise.setProgressValueAndText(int(fraction * CalibrationController::kProgressSteps),
                                        QString::fromStdString(what));
    };
    promise.addResult(prepareCalibration(request, report, cancel));
}

} // namespace

CalibrationController::CalibrationController(const QString& workFolder, QObject* parent)
    : QObject(parent),
      workFolder_(workFolder.isEmpty()
                      ? QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)).filePath("calibration")
                      : workFolder)
{
    connect(&watcher_, &QFutureWatcher<CalibrationOutcome>::progressValueChanged, this, [this](int value) {
        if (!pending_)
            emit progress(double(value) / kProgressSteps, watcher_.progressText());
    });
    connect(&watcher_, &QFutureWatcher<CalibrationOutcome>::finished, this, &CalibrationController::deliver);
}

CalibrationController::~CalibrationController()
{
    cancel_ = true;
    // A delivered future had its result taken, which leaves it in no state at all: waiting on it
    // would never return; only a running one needs joining.
    if (watcher_.isRunning())
        watcher_.waitForFinished();
}

void CalibrationController::collect(std::shared_ptr<const Checkpoint> checkpoint, const QString& textFile,
                                    const EvalOptions& windows)
{
    CalibrationRequest r;
    r.checkpoint = std::move(checkpoint);
    r.textFile = textFile.toStdString();
    r.windows = windows;
    // A name no earlier collection of this process used: collectCalibration refuses an existing file.
    r.collectedFile = QDir(workFolder_)
                          .filePath(QStringLiteral("calibration-%1-%2.safetensors")
                                        .arg(QCoreApplication::applicationPid())
                                        .arg(++collections_))
                          .toStdString();
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
    watcher_.setFuture(QtConcurrent::run(prepareInBackground, std::move(request), &cancel_));
}

void CalibrationController::cancel()
{
    pending_.reset();
    cancel_ = true;
}

void CalibrationController::deliver()
{
    // Taken out of the future, so collected statistics nobody holds any more are removed at once.
    const auto outcome = watcher_.future().takeResult();
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
