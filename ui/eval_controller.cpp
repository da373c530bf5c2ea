#include "eval_controller.hpp"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {
namespace {

void evaluateInBackground(QPromise<EvalOutcome>& promise, const EvalRequest& request, const std::atomic<bool>* cancel)
{
    promise.setProgressRange(0, EvalController::kProgressSteps);
    auto report = [&promise](double fraction, const std::string& what) {
        promise.setProgressValueAndText(int(fraction * EvalController::kProgressSteps), QString::fromStdString(what));
    };
    promise.addResult(runEvaluation(request, report, cancel));
}

} // namespace

EvalController::EvalController(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<EvalOutcome>::progressValueChanged, this, [this](int value) {
        emit progress(double(value) / kProgressSteps, watcher_.progressText());
    });
    connect(&watcher_, &QFutureWatcher<EvalOutcome>::finished, this, &EvalController::deliver);
}

EvalController::~EvalController()
{
    cancel_ = true;
    watcher_.waitForFinished();
}

void EvalController::start(const EvalRequest& request)
{
    if (evaluating_ || !request.checkpoint)
        return;
    cancel_ = false;
    evaluating_ = true;
    request_ = request;
    watcher_.setFuture(QtConcurrent::run(evaluateInBackground, request, &cancel_));
}

void EvalController::cancel() { cancel_ = true; }

void EvalController::deliver()
{
    evaluating_ = false;
    const auto outcome = watcher_.result();
    if (outcome.cancelled)
        emit cancelled();
    else if (!outcome.error.empty())
        emit failed(QString::fromStdString(outcome.error));
    else
        emit finished(outcome);
    emit stopped();
}

} // namespace loftq::ui
