// The job runner: streams the checkpoint tensor by tensor through LoftQ into the export writers.
// While one target computes, the next one is read and converted on another thread.
#include "loftq/runner.hpp"
#include "export/export_set.hpp"
#include "loftq/calib_run.hpp"
#include "loftq/errors.hpp"
#include "loftq/exported_measure.hpp"
#include "loftq/layer_job.hpp"
#include "loftq/memory_reuse.hpp"
#include "io/output_folder.hpp"
#include "io/page_release.hpp"

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
    double total() const { return total_; }

private:
    const ProgressSink& sink_;
    double total_;
    int layers_;
    Clock::time_point start_ = Clock::now();
};

// The targets LoftQ quantizes, each read (and converted to float32) on another thread while the
// one before it computes.
class TargetReadAhead {
public:
    TargetReadAhead(const Checkpoint& cp, const std::map<std::string, const PlannedLayer*>& quantized)
        : cp_(cp), quantized_(quantized)
    {
        startAfter(0);
    }

    // W of the quantized target at tensors()[index], the next one; starts reading the one after.
    MatrixRM take(std::size_t index)
    {
        MatrixRM W = pending_.get();
        startAfter(index + 1);
        return W;
    }

private:
    void startAfter(std::size_t from)
    {
        for (std::size_t i = from; i < cp_.tensors().size(); ++i)
            if (const auto it = quantized_.find(cp_.tensors()[i].info.name); it != quantized_.end()) {
                const LayerDescriptor& layer = it->second->layer;
                pending_ = std::async(std::launch::async, [this, &layer] { return readLayerWeight(cp_, layer); });
                return;
            }
    }

    const Checkpoint& cp_;
    const std::map<std::string, const PlannedLayer*>& quantized_;
    std::future<MatrixRM> pending_;
};

// One runJob: the checkpoint's tensors in order, each copied to the exports or quantized first.
class Job {
public:
    Job(const Checkpoint& cp, const Plan& plan, const RunOptions& options, const ProgressSink& progress,
        const std::atomic<bool>* cancel)
        : cp_(cp), plan_(plan), options_(options), cancel_(cancel), threads_(std::max(1, options.threads)),
          nfArithmetic_(nfArithmeticFor(options.formats)), planned_(planLayers(cp, plan)),
          clock_(progress, plannedWork(), int(planned_.size()))
    {
        for (std::size_t i = 0; i < planned_.size(); ++i) {
            index_[planned_[i].layer.tensorName] = i;
            if (planned_[i].plan.quantize)
                quantized_[planned_[i].layer.tensorName] = &planned_[i];
        }
        report_.source = cp.path();
        report_.threads = threads_;
        report_.sourceBytes = cp.totalBytes();
        if (options.calibration) {
            std::vector<LayerDescriptor> layers;
            for (const auto& [name, p] : quantized_)
                layers.push_back(p->layer);
            outputs_.emplace(*options.calibration, options.damping, cp, layers);
            report_.calibration = options.calibrationName.empty() ? options.calibration->path() : options.calibrationName;
            report_.calibrationTextSha256 = options.calibration->manifest().textSha256;
            report_.calibrationTokens = options.calibration->manifest().tokens;
            report_.damping = outputs_->damping();
        }
    }

    RunReport run()
    {
        if (!options_.outputDir.empty()) {
            std::string createdTop;
            prepareOutputFolder(cp_, options_.outputDir, options_.force, &createdTop);
            folder_.arm(options_.outputDir, createdTop);
            exports_.emplace(cp_, plan_, planned_, options_.outputDir, options_.formats);
        }
        clock_.emit({.kind = ProgressEvent::Kind::RunStarted}, 0);
        const auto heapReady = prefaultHeap(firstTargetHeapBytes());
        TargetReadAhead reader(cp_, quantized_);
        for (std::size_t ti = 0; ti < cp_.tensors().size(); ++ti) {
            const auto& tensor = cp_.tensors()[ti];
            const MappedPagesRelease release{cp_.rawBytes(tensor)};
            const auto it = index_.find(tensor.info.name);
            if (it == index_.end())
                exportTensor(tensor, nullptr);
            else if (!planned_[it->second].plan.quantize)
                finishLayer(tensor, int(it->second), keptLayer(planned_[it->second], LayerStatus::Kept,
                                                               "kept unquantized by the plan"));
            else
                quantizeLayer(tensor, int(it->second), reader.take(ti));
        }
        if (cancel_ && cancel_->load())
            throw Error(ErrorKind::Cancelled, "cancelled");
        report_.seconds = clock_.elapsed();
        if (exports_) {
            exports_->finishAndCommit(report_, plan_, cancel_);
            folder_.dismiss();
        }
        clock_.emit({.kind = ProgressEvent::Kind::RunFinished, .message = "done"}, clock_.total());
        return std::move(report_);
    }

private:
    double plannedWork() const
    {
        double work = 0;
        for (const auto& p : planned_)
            if (p.plan.quantize)
                work += layerWork(p);
        return work;
    }
    // The heap the first quantized target touches: W and the residual (later Q) in float32, the
    // codes of two steps (the best so far and the current one).
    std::size_t firstTargetHeapBytes() const
    {
        constexpr std::size_t kHeapBytesPerWeight = 4 + 4 + 1 + 1;
        for (const auto& tensor : cp_.tensors())
            if (const auto it = quantized_.find(tensor.info.name); it != quantized_.end())
                return std::size_t(it->second->layer.elements()) * kHeapBytesPerWeight;
        return 0;
    }
    static double layerWork(const PlannedLayer& p) { return double(p.layer.elements()) * p.plan.steps; }

    void exportTensor(const CheckpointTensor& tensor, const QuantizedLayer* quantized)
    {
        if (exports_)
            exports_->consume(tensor, quantized);
    }

    static LayerReport keptLayer(const PlannedLayer& p, LayerStatus status, std::string note)
    {
        LayerReport lr;
        lr.layer = p.layer;
        lr.plan = p.plan;
        lr.status = status;
        lr.note = std::move(note);
        return lr;
    }

    // A target the exports take as stored.
    void finishLayer(const CheckpointTensor& tensor, int index, LayerReport lr)
    {
        exportTensor(tensor, nullptr);
        reportLayer(tensor, index, std::move(lr));
    }

    void reportLayer(const CheckpointTensor& tensor, int index, LayerReport lr)
    {
        report_.layers.push_back(lr);
        clock_.emit({.kind = ProgressEvent::Kind::LayerFinished, .layerIndex = index, .layer = tensor.info.name,
                     .report = std::move(lr)},
                    workDone_);
    }

    // Quantizes one target (or keeps it when it cannot be quantized and the plan allows that),
    // measures what will be exported, and hands both to the exports.
    void quantizeLayer(const CheckpointTensor& tensor, int index, MatrixRM W)
    {
        const PlannedLayer& pl = planned_[std::size_t(index)];
        LoftqSettings settings = loftqSettingsFor(plan_, pl, threads_, nfArithmetic_);
        std::string problem = checkQuantizable(settings.quantizer, pl.layer.elements());
        if (problem.empty() && !allFinite(W, threads_))
            problem = "contains NaN or Inf values";
        if (!problem.empty()) {
            if (plan_.onBadTensor == OnBadTensor::Fail)
                throwBadInput(cp_.shards()[tensor.shard]->path(),
                              "tensor '" + tensor.info.name + "' " + problem +
                                  " (set on_bad_tensor to keep to leave such tensors unquantized)");
            workDone_ += layerWork(pl);
            finishLayer(tensor, index, keptLayer(pl, LayerStatus::Skipped, problem + "; kept unquantized"));
            return;
        }

        clock_.emit({.kind = ProgressEvent::Kind::LayerStarted, .layerIndex = index, .layer = tensor.info.name},
                    workDone_);
        const LayerObjective objective = outputs_ ? outputs_->objectiveFor(pl.layer, threads_) : LayerObjective{};
        if (!options_.weightObjective)
            settings.output = objective.output.get();
        const auto started = Clock::now();
        int stepsDone = 0;
        auto result = runLoftq(
            W, settings,
            [&](const LoftqStep& s) {
                ++stepsDone;
                clock_.emit({.kind = ProgressEvent::Kind::StepFinished, .layerIndex = index,
                             .layer = tensor.info.name, .step = s.step, .relError = s.relError,
                             .outputRelError = s.outputRelError},
                            workDone_ + double(pl.layer.elements()) * stepsDone);
            },
            cancel_);
        workDone_ += layerWork(pl);

        LayerReport lr = keptLayer(pl, LayerStatus::Quantized, "");
        lr.rank = int(result.A.rows());
        lr.alpha = plan_.alpha.value_or(double(lr.rank));
        if (lr.rank < pl.plan.rank)
            lr.note = "rank lowered to " + std::to_string(lr.rank) + " = min(out, in)";
        const auto measured = measureExported(W, result, tensor.info.dtype, plan_.adapterDtype, lr.alpha, threads_);
        lr.stepErrors.assign(result.steps.size(), 0);
        for (std::size_t s = 0; s < result.steps.size(); ++s)
            lr.stepErrors[s] = result.steps[s].relError;
        lr.bestStep = result.bestStep;
        lr.qloraRelError = result.qloraRelError;
        lr.relError = measured.relError;
        if (options_.keepSpectra)
            lr.adapterSingularValues.assign(result.residualTopSingularValues.data(),
                                            result.residualTopSingularValues.data() +
                                                result.residualTopSingularValues.size());
        if (outputs_)
            recordOutputErrors(lr, objective, settings, result, W, result.Q, measured.B, measured.A);
        lr.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        const QuantizedLayer q{&pl.layer, &pl.plan, &result, &result.Q, &measured.A, &measured.B, lr.alpha};
        exportTensor(tensor, &q);
        reportLayer(tensor, index, std::move(lr));
    }

    const Checkpoint& cp_;
    const Plan& plan_;
    const RunOptions& options_;
    const std::atomic<bool>* cancel_;
    const int threads_;
    const ScaleArithmetic nfArithmetic_;
    const std::vector<PlannedLayer> planned_;
    std::map<std::string, std::size_t> index_;                  // tensor name -> planned_ index
    std::map<std::string, const PlannedLayer*> quantized_;      // the targets the plan quantizes
    std::optional<OutputObjectiveSource> outputs_;              // with calibration statistics
    ProgressClock clock_;
    // Declared before the writers: on a failure their staged files go first, then the folders.
    OutputFolderRollback folder_;
    std::optional<detail::ExportSet> exports_;
    RunReport report_;
    double workDone_ = 0;
};

} // namespace

RunReport runJob(const Checkpoint& cp, const Plan& plan, const RunOptions& options, const ProgressSink& progress,
                 const std::atomic<bool>* cancel)
{
    validatePlan(plan, "plan");
    return Job(cp, plan, options, progress, cancel).run();
}

} // namespace loftq
