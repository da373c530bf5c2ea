#include "spectrum_controller.hpp"
#include "background_priority.hpp"
#include "loftq/errors.hpp"
#include "meta_types.hpp"

namespace loftq::ui {
namespace {

SpectrumOutcome compute(const SpectrumRequest& r, const std::atomic<bool>* cancel)
{
    lowerCurrentThreadPriority();
    SpectrumOutcome out;
    out.tensorName = QString::fromStdString(r.layer.tensorName);
    try {
        out.spectrum = residualSpectrum(*r.checkpoint, r.plan, r.layer, r.threads, cancel, r.nfArithmetic);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Cancelled)
            out.error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        out.error = QString::fromStdString(e.what());
    }
    return out;
}

} // namespace

SpectrumController::SpectrumController(QObject* parent)
    : QObject(parent),
      runner_(this, &compute, [this](const SpectrumOutcome& outcome) { deliver(outcome); },
              [this](const SpectrumRequest& next) { emit computing(QString::fromStdString(next.layer.tensorName)); })
{
    registerMetaTypes();
}

void SpectrumController::request(const SpectrumRequest& request) { runner_.request(request); }

void SpectrumController::deliver(const SpectrumOutcome& outcome)
{
    if (outcome.spectrum)
        emit ready(*outcome.spectrum);
    else if (!outcome.error.isEmpty())
        emit failed(outcome.tensorName, outcome.error);
}

} // namespace loftq::ui
