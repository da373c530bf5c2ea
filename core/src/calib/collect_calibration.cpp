// The calibration driver: evaluate()'s layer-major loop over the original model alone, with the
// HessianAccumulator observing every target's input. The writer stages each H beside the output
// and moves the file into place only after the last block.
#include "loftq/calibrate.hpp"

#include "../eval/layer_major.hpp"
#include "../model/forward.hpp"
#include "loftq/calib_accumulator.hpp"
#include "loftq/calib_objective.hpp"
#include "loftq/errors.hpp"

#include <filesystem>
#include <set>

namespace loftq {

nlohmann::json toJson(const CalibrationSummary& s)
{
    return {{"statistics", s.path},    {"model", s.model},   {"tokens_source", s.tokens},
            {"context", s.context},    {"windows", s.windows}, {"tokens", s.tokenCount},
            {"inputs", s.inputs},      {"peak_hessian_bytes", s.peakHessianBytes}, {"seconds", s.seconds}};
}

CalibrationSummary collectCalibration(const std::string& modelPath, const EvalTokens& tokens, const std::string& output,
                                      const EvalOptions& options, bool replace, const ProgressSink& progress,
                                      const std::atomic<bool>* cancel)
{
    if (std::filesystem::exists(output) && !replace)
        throwBadInput(output, "exists (use --force to replace it)");
    const auto checkpoint = Checkpoint::open(modelPath);
    const auto source = openModelSource(modelPath, ModelVariant::Full);
    if (!source->adaptedModules().empty())
        throwBadInput(modelPath, "is an export with an adapter; collect statistics on the original model");
    const auto arch = model::describeModel(source->config(), source->label());
    const auto cut = eval::cutWindows(*source, tokens, options);
    const auto targets = selectTargets(checkpoint);
    const int threads = std::max(1, options.threads);

    CalibrationWriter writer(output);
    HessianAccumulator accumulator(targets, writer, threads);
    const eval::StageProgress stage(progress, cancel, arch.layers, "calibration");
    stage.emit(ProgressEvent::Kind::RunStarted, -1, "", source->label());
    Eigen::MatrixXf hidden = model::embedTokens(*source, arch, cut.ids, cut.context);
    model::BlockBuffers buffers;
    for (int b = 0; b < arch.layers; ++b) {
        stage.checkCancel();
        const auto what = "block " + std::to_string(b);
        stage.emit(ProgressEvent::Kind::LayerStarted, b, what);
        const auto weights = model::loadBlock(*source, arch, b);
        model::runBlock(weights, arch, cut.context, hidden, buffers, threads, &accumulator);
        accumulator.blockFinished(parseTensorPlace(arch.blockModule(b, arch.family->o)));
        stage.emit(ProgressEvent::Kind::LayerFinished, b, what);
    }
    accumulator.finish();
    stage.checkCancel();

    CalibrationManifest manifest;
    manifest.model = checkpoint.path();
    manifest.configSha256 = configSha256(checkpoint);
    manifest.textSha256 = sha256OfFile(tokens.source);
    manifest.tokens = std::uint64_t(cut.ids.size());
    manifest.context = cut.context;
    manifest.dampingDefault = kDefaultDamping;
    writer.commit(manifest);

    CalibrationSummary s;
    s.path = output;
    s.model = manifest.model;
    s.tokens = tokens.source;
    s.context = cut.context;
    s.windows = cut.windows;
    s.tokenCount = manifest.tokens;
    std::set<std::string> inputs;
    for (const auto& t : targets)
        inputs.insert(calibrationInputName(t));
    s.inputs = inputs.size();
    s.peakHessianBytes = accumulator.peakHeldBytes();
    s.seconds = stage.elapsed();
    stage.emit(ProgressEvent::Kind::RunFinished, arch.layers, "", output);
    return s;
}

} // namespace loftq
