#include "run_worker.hpp"
#include "background_priority.hpp"
#include "loftq/errors.hpp"

namespace loftq::ui {

void RunWorker::run(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan, RunOptions options,
                    const RunCalibration& calibration)
{
    lowerCurrentThreadPriority();
    calibration.applyTo(options);
    try {
        const auto report = runJob(*checkpoint, plan, options, [this](const ProgressEvent& e) { emit progress(e); },
                                   cancel_);
        emit finished(report);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Cancelled)
            emit cancelled();
        else
            emit failed(QString::fromStdString(e.what()));
    } catch (const std::bad_alloc&) {
        emit failed(tr("Out of memory. Try fewer threads or a smaller model."));
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
    }
}

} // namespace loftq::ui
