#include "spectrum_controller.hpp"
#include "background_priority.hpp"
#include "loftq/errors.hpp"
#include "meta_types.hpp"

#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {
namespace {

SpectrumOutcome compute(const SpectrumRequest& r, const std::atomic<bool>* cancel)
{
    lowerCurrentThreadPriority();
    SpectrumOutcome out;
    out.tensorName = QString::fromStdString(r.layer.tensorName);
    try {
        out.spectrum = residualSpectrum(*r.checkpoint, r.plan, r.layer, r.threads, cancel);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Cancelled)
            out.error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    return out;
}

} // namespace

SpectrumController::SpectrumController(QObject* parent) : QObject(parent)
{
    registerMetaTypes();
    connect(&watcher_, &QFutureWatcher<SpectrumOutcome>::finished, this, &SpectrumController::deliver);
}

SpectrumController::~SpectrumController()
{
    cancel_ = true;
    watcher_.waitForFinished();
}

void SpectrumController::request(const SpectrumRequest& request)
{
    pending_ = request;
    if (watcher_.isRunning())
        cancel_ = true; // deliver() starts the pending request once this one has stopped
    else
        startNext();
}

void SpectrumController::startNext()
{
    if (!pending_)
        return;
    const SpectrumRequest next = std::move(*pending_);
    pending_.reset();
    cancel_ = false;
    emit computing(QString::fromStdString(next.layer.tensorName));
    watcher_.setFuture(QtConcurrent::run(compute, next, &cancel_));
}

void SpectrumController::deliver()
{
    if (pending_) {
        startNext();
        return;
    }
    const auto outcome = watcher_.result();
    if (outcome.spectrum)
        emit ready(*outcome.spectrum);
    else if (!outcome.error.isEmpty())
        emit failed(outcome.tensorName, outcome.error);
}

} // namespace loftq::ui
