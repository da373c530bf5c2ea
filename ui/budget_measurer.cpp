#include "budget_measurer.hpp"
#include "background_priority.hpp"
#include "loftq/errors.hpp"

#include <QPromise>
#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {
namespace {

void measure(QPromise<MeasureOutcome>& promise, const MeasureRequest& r, const std::atomic<bool>* cancel)
{
    lowerCurrentThreadPriority();
    MeasureOutcome out;
    try {
        auto report = [&promise](const BudgetProgress& p) {
            promise.setProgressRange(0, p.total);
            promise.setProgressValueAndText(p.done, QString::fromStdString(p.layer));
        };
        out.curves = std::make_shared<const std::vector<LayerCurve>>(
            measureLayerCurves(*r.checkpoint, r.plan, r.options, report, cancel));
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Cancelled)
            out.error = QString::fromStdString(e.what());
    } catch (const std::bad_alloc&) {
        out.error = BudgetMeasurer::tr("Out of memory. Try fewer threads or a smaller model.");
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    promise.addResult(std::move(out));
}

} // namespace

BudgetMeasurer::BudgetMeasurer(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<MeasureOutcome>::progressValueChanged, this, [this](int done) {
        if (watcher_.progressMaximum() > 0) // the watcher also reports the empty range it starts with
            emit progress(done, watcher_.progressMaximum(), watcher_.progressText());
    });
    connect(&watcher_, &QFutureWatcher<MeasureOutcome>::finished, this, &BudgetMeasurer::deliver);
}

BudgetMeasurer::~BudgetMeasurer()
{
    cancel_ = true;
    watcher_.waitForFinished();
}

void BudgetMeasurer::start(const MeasureRequest& request)
{
    if (isMeasuring() || !request.checkpoint)
        return;
    cancel_ = false;
    measuring_ = true;
    watcher_.setFuture(QtConcurrent::run(measure, request, &cancel_));
}

void BudgetMeasurer::cancel() { cancel_ = true; }

void BudgetMeasurer::deliver()
{
    measuring_ = false;
    const auto outcome = watcher_.result();
    if (outcome.curves)
        emit measured(outcome.curves);
    else if (!outcome.error.isEmpty())
        emit failed(outcome.error);
    else
        emit cancelled();
}

} // namespace loftq::ui
