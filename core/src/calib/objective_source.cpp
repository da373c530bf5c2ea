#include "loftq/calib_run.hpp"
#include "loftq/errors.hpp"

#include <cmath>

namespace loftq {

double dampingFor(const CalibrationStats& stats, std::optional<double> damping)
{
    return damping.value_or(stats.manifest().dampingDefault);
}

OutputObjectiveSource::OutputObjectiveSource(const CalibrationStats& stats, std::optional<double> damping,
                                             const Checkpoint& checkpoint, const std::vector<LayerDescriptor>& targets)
    : stats_(stats), damping_(dampingFor(stats, damping))
{
    if (!(damping_ >= 0) || !std::isfinite(damping_))
        throwBadInput(stats.path(), "damping must be a finite number >= 0");
    stats.validateFor(checkpoint, targets);
}

LayerObjective OutputObjectiveSource::objectiveFor(const LayerDescriptor& layer, int threads)
{
    const std::string input = calibrationInputName(layer);
    if (input != lastInput_) {
        last_ = {};
        last_.output = OutputObjective::create(stats_.hessianFor(layer), damping_, last_.fallback, threads);
        lastInput_ = input;
    }
    return last_;
}

void recordOutputErrors(LayerReport& report, const LayerObjective& objective, const LoftqSettings& settings,
                        const LoftqResult& result, Eigen::Ref<const MatrixRM> W, const MatrixRM& exportedQ,
                        const Eigen::MatrixXf& exportedB, const Eigen::MatrixXf& exportedA)
{
    report.objective = settings.output ? "output" : "weight";
    if (!objective.output) {
        report.note += std::string(report.note.empty() ? "" : "; ") + "output objective unavailable (" +
                       objective.fallback + "); weight objective used";
        return;
    }
    const int threads = std::max(1, settings.svd.threads);
    const double norm = result.outputSquaredNorm ? *result.outputSquaredNorm : objective.output->squaredOutput(W, threads);
    auto relative = [&](double squared) { return norm > 0 ? std::sqrt(squared / norm) : 0.0; };
    for (const auto& step : result.steps)
        if (step.outputRelError)
            report.stepOutputErrors.push_back(*step.outputRelError);
    MatrixRM qlora = W;
    QuantizedBlocks codes;
    quantizeBlockwise(settings.quantizer, {qlora.data(), std::size_t(qlora.size())}, codes,
                      {qlora.data(), std::size_t(qlora.size())}, threads);
    roundTripThrough(settings.exportDtype, qlora.data(), std::size_t(qlora.size()));
    report.qloraOutputRelError = relative(objective.output->squaredOutputOf(W, qlora, {}, {}, threads));
    const Eigen::MatrixXf scaledB = exportedB * static_cast<float>(report.alpha / double(report.rank));
    // The loop measured its best step's output error; the exported adapter differs from that step's
    // by rounding and scaling only, a change of rank <= 2r, so no pass with L over the matrix.
    const auto& best = result.steps[std::size_t(result.bestStep - 1)];
    if (settings.output && best.outputRelError) {
        const double measured = *best.outputRelError * *best.outputRelError * norm;
        report.outputRelError = relative(objective.output->squaredOutputWithAdapter(
            W, exportedQ, result.B, result.A, measured, scaledB, exportedA, threads));
    } else {
        report.outputRelError = relative(objective.output->squaredOutputOf(W, exportedQ, scaledB, exportedA, threads));
    }
}

} // namespace loftq
