// The job runner: streams the checkpoint tensor by tensor through LoftQ into the export writers.
// While one target computes, the next one is read and converted on another thread.
#include "loftq/runner.hpp"
#include "../export/export_set.hpp"
#include "loftq/calib_run.hpp"
#include "loftq/errors.hpp"
#include "loftq/layer_job.hpp"
#include "loftq/output_folder.hpp"
#include "loftq/page_release.hpp"
#include "loftq/row_chunks.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <future>
#include <optional>

namespace fs = std::filesystem;

namespace loftq {
namespace {

using Clock = std::chrono::steady_clock;

// Drops a tensor's mapped pages when its loop iteration ends, however it ends, so resident memory
// holds the tensors in flight rather than everything read so far.
struct MappedPagesRelease {
    std::span<const std::byte> bytes;
    ~MappedPagesRelease() { releaseMappedPages(bytes); }
};

constexpr Eigen::Index kMeasureChunkRows = 64;

// x * 0 is 0 for a finite x and NaN for NaN or Inf, so a row's sum of x * 0 is 0 exactly when the
// row is finite. The sum vectorizes; Eigen's allFinite() walked this matrix element by element
// and took 15% of a whole-model run.
bool allFinite(const MatrixRM& m, int threads)
{
    const double sum = sumOverRowChunks(m.rows(), kMeasureChunkRows, threads, [&](Eigen::Index begin, Eigen::Index len) {
        double rows = 0;
        for (Eigen::Index r = begin; r < begin + len; ++r)
            rows += double((m.row(r).array() * 0.0f).sum());
        return rows;
    });
    return sum == 0;
}

struct Measured {
    MatrixRM Q;
    Eigen::MatrixXf A, B;
    double relError = 0;
};

// Rounds Q and the scaled adapter factors to their export dtypes and measures the error there.
Measured measureExported(const MatrixRM& W, const LoftqResult& r, DType qDtype, DType adapterDtype, double alpha,
                         int threads)
{
    Measured m;
    m.Q.resize(r.Q.rows(), r.Q.cols());
    const double rank = double(r.A.rows());
    // PEFT adds (alpha / r) * B A; storing sqrt(r / alpha) on each factor makes that B A exactly.
    const float factor = static_cast<float>(std::sqrt(rank / alpha));
    m.A = r.A * factor;
    m.B = r.B * factor;
    roundTripThrough(adapterDtype, m.A.data(), std::size_t(m.A.size()));
    roundTripThrough(adapterDtype, m.B.data(), std::size_t(m.B.size()));
    // Q's rounding, the product B A and the sum, one pass over fixed row chunks in parallel.
    const Eigen::MatrixXf scaledB = m.B * static_cast<float>(alpha / rank);
    const double err = sumOverRowChunks(W.rows(), kMeasureChunkRows, threads, [&](Eigen::Index begin, Eigen::Index len) {
        auto q = m.Q.middleRows(begin, len);
        q = r.Q.middleRows(begin, len);
        roundTripThrough(qDtype, q.data(), std::size_t(q.size()));
        MatrixRM residual = W.middleRows(begin, len) - q;
        residual.noalias() -= scaledB.middleRows(begin, len) * m.A;
        return squaredNormByRows(residual);
    });
    m.relError = r.squaredNorm > 0 ? std::sqrt(err / r.squaredNorm) : 0.0;
    return m;
}

class ProgressClock {
public:
    ProgressClock(const ProgressSink& sink, double totalWork, int layers)
        : sink_(sink), total_(totalWork), layers_(layers)
    {
    }

    void emit(ProgressEvent e, double workDone)
    {
        if (!sink_)
            return;
        e.layerCount = layers_;
        e.elapsedSeconds = elapsed();
        e.fractionDone = total_ > 0 ? std::min(1.0, workDone / total_) : 1.0;
        if (e.fractionDone > 0.001 && e.fractionDone < 1.0)
            e.etaSeconds = e.elapsedSeconds * (1.0 - e.fractionDone) / e.fractionDone;
        else if (e.fractionDone >= 1.0)
            e.etaSeconds = 0;
        sink_(e);
    }

    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

private:
    const ProgressSink& sink_;
    double total_;
    int layers_;
    Clock::time_point start_ = Clock::now();
};

} // namespace

std::vector<PlannedLayer> planLayers(const Checkpoint& checkpoint, const Plan& plan)
{
    std::vector<PlannedLayer> out;
    for (auto& layer : selectTargets(checkpoint, plan.targets)) {
        PlannedLayer p{layer, plan.resolve(layer)};
        out.push_back(std::move(p));
    }
    return out;
}

RunReport runJob(const Checkpoint& cp, const Plan& plan, const RunOptions& options, const ProgressSink& progress,
                 const std::atomic<bool>* cancel)
{
    validatePlan(plan, "plan");
    const int threads = std::max(1, options.threads);
    const auto planned = planLayers(cp, plan);
    std::map<std::string, std::size_t> plannedIndex;
    std::vector<LayerDescriptor> targets;
    double totalWork = 0;
    for (std::size_t i = 0; i < planned.size(); ++i) {
        plannedIndex[planned[i].layer.tensorName] = i;
        targets.push_back(planned[i].layer);
        if (planned[i].plan.quantize)
            totalWork += double(planned[i].layer.elements()) * planned[i].plan.steps;
    }

    std::optional<OutputObjectiveSource> outputs;
    if (options.calibration) {
        std::vector<LayerDescriptor> quantized;
        for (const auto& p : planned)
            if (p.plan.quantize)
                quantized.push_back(p.layer);
        outputs.emplace(*options.calibration, options.damping, cp, quantized);
    }

    RunReport report;
    report.source = cp.path();
    if (outputs) {
        report.calibration = options.calibration->path();
        report.damping = outputs->damping();
    }
    report.threads = threads;
    report.sourceBytes = cp.totalBytes();

    // Declared before the writers: on a failure their staged files go first, then the folders.
    OutputFolderRollback folder;
    std::optional<detail::ExportSet> exports;
    if (!options.outputDir.empty()) {
        std::string createdTop;
        prepareOutputFolder(cp, options.outputDir, options.force, &createdTop);
        folder.arm(options.outputDir, createdTop);
        exports.emplace(cp, plan, targets, options);
    }
    // bitsandbytes finds nf codes on x * (1/absmax); its export must hold the Q that was measured.
    const bool bnbArithmetic = std::find(options.formats.begin(), options.formats.end(), ExportFormat::BnbNf4) !=
                               options.formats.end();

    ProgressClock clock(progress, totalWork, int(planned.size()));
    double workDone = 0;
    clock.emit({.kind = ProgressEvent::Kind::RunStarted}, 0);

    // The next target to quantize, read ahead on another thread.
    auto nextTarget = [&](std::size_t from) -> std::size_t {
        for (std::size_t i = from; i < cp.tensors().size(); ++i)
            if (auto it = plannedIndex.find(cp.tensors()[i].info.name);
                it != plannedIndex.end() && planned[it->second].plan.quantize)
                return i;
        return cp.tensors().size();
    };
    auto readAhead = [&](std::size_t i) {
        if (i >= cp.tensors().size())
            return std::future<MatrixRM>();
        const auto& layer = planned[plannedIndex[cp.tensors()[i].info.name]].layer;
        return std::async(std::launch::async, [&cp, &layer] { return readLayerWeight(cp, layer); });
    };
    std::size_t prefetchedIndex = nextTarget(0);
    std::future<MatrixRM> prefetched = readAhead(prefetchedIndex);

    for (std::size_t ti = 0; ti < cp.tensors().size(); ++ti) {
        const auto& tensor = cp.tensors()[ti];
        const MappedPagesRelease release{cp.rawBytes(tensor)};
        const auto it = plannedIndex.find(tensor.info.name);
        if (it == plannedIndex.end()) {
            if (exports)
                exports->consume(tensor, nullptr);
            continue;
        }
        const int li = int(it->second);
        const auto& pl = planned[li];
        LayerReport lr;
        lr.layer = pl.layer;
        lr.plan = pl.plan;
        auto keep = [&](LayerStatus status, std::string note) {
            lr.status = status;
            lr.note = std::move(note);
            if (exports)
                exports->consume(tensor, nullptr);
            report.layers.push_back(lr);
            clock.emit({.kind = ProgressEvent::Kind::LayerFinished, .layerIndex = li, .layer = tensor.info.name,
                        .report = lr},
                       workDone);
        };
        if (!pl.plan.quantize) {
            keep(LayerStatus::Kept, "kept unquantized by the plan");
            continue;
        }
        QuantizerSpec spec{pl.plan.method, pl.plan.bits, pl.plan.blockSize};
        if (bnbArithmetic && spec.method == QuantMethod::NormalFloat)
            spec.arithmetic = ScaleArithmetic::MultiplyByReciprocal;
        const double layerWork = double(pl.layer.elements()) * pl.plan.steps;
        MatrixRM W = prefetched.get();
        prefetchedIndex = nextTarget(ti + 1);
        prefetched = readAhead(prefetchedIndex);

        std::string problem = checkQuantizable(spec, pl.layer.elements());
        if (problem.empty() && !allFinite(W, threads))
            problem = "contains NaN or Inf values";
        if (!problem.empty()) {
            const auto& file = cp.shards()[tensor.shard]->path();
            if (plan.onBadTensor == OnBadTensor::Fail)
                throwBadInput(file, "tensor '" + tensor.info.name + "' " + problem +
                                        " (set on_bad_tensor to keep to leave such tensors unquantized)");
            workDone += layerWork;
            keep(LayerStatus::Skipped, problem + "; kept unquantized");
            continue;
        }

        clock.emit({.kind = ProgressEvent::Kind::LayerStarted, .layerIndex = li, .layer = tensor.info.name}, workDone);
        LoftqSettings settings = loftqSettingsFor(plan, pl, threads);
        settings.quantizer = spec;
        const LayerObjective objective = outputs ? outputs->objectiveFor(pl.layer) : LayerObjective{};
        if (!options.weightObjective)
            settings.output = objective.output.get();
        const auto started = Clock::now();
        const double stepWork = double(pl.layer.elements());
        int stepsDone = 0;
        const auto result = runLoftq(
            W, settings,
            [&](const LoftqStep& s) {
                ++stepsDone;
                clock.emit({.kind = ProgressEvent::Kind::StepFinished, .layerIndex = li, .layer = tensor.info.name,
                            .step = s.step, .relError = s.relError},
                           workDone + stepWork * stepsDone);
            },
            cancel);
        workDone += layerWork;

        lr.rank = int(result.A.rows());
        lr.alpha = plan.alpha.value_or(double(lr.rank));
        if (lr.rank < pl.plan.rank)
            lr.note = "rank lowered to " + std::to_string(lr.rank) + " = min(out, in)";
        const auto measured = measureExported(W, result, tensor.info.dtype, plan.adapterDtype, lr.alpha, threads);
        for (const auto& s : result.steps)
            lr.stepErrors.push_back(s.relError);
        lr.bestStep = result.bestStep;
        lr.qloraRelError = result.qloraRelError;
        lr.relError = measured.relError;
        if (options.keepSpectra)
            lr.adapterSingularValues.assign(result.residualTopSingularValues.data(),
                                            result.residualTopSingularValues.data() +
                                                result.residualTopSingularValues.size());
        if (outputs)
            recordOutputErrors(lr, objective, settings, result, W, measured.Q, measured.B, measured.A);
        lr.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        const QuantizedLayer q{&pl.layer, &pl.plan, &result, &measured.Q, &measured.A, &measured.B, lr.alpha};
        if (exports)
            exports->consume(tensor, &q);
        report.layers.push_back(lr);
        clock.emit({.kind = ProgressEvent::Kind::LayerFinished, .layerIndex = li, .layer = tensor.info.name,
                    .report = lr},
                   workDone);
    }
    if (cancel && cancel->load())
        throw Error(ErrorKind::Cancelled, "cancelled");
    report.seconds = clock.elapsed();

    if (exports) {
        exports->finishAndCommit(report, plan, cancel);
        folder.dismiss();
    }
    clock.emit({.kind = ProgressEvent::Kind::RunFinished, .message = "done"}, totalWork);
    return report;
}

} // namespace loftq
