// A run's result as a model (loftq/run_result_source.hpp): the original's tensors, with each
// planned layer's LoftQ computed again, the way runJob computes it, when the evaluation reads it.
#include "loftq/run_result_source.hpp"

#include "loftq/calib_run.hpp"
#include "loftq/dtype.hpp"
#include "loftq/errors.hpp"
#include "loftq/layer_job.hpp"

#include <cmath>
#include <map>
#include <mutex>

namespace loftq {
namespace {

struct ExportedLayer {
    std::string tensorName;
    MatrixRM Q; // out x in, rounded to the source dtype
    LowRankAdapter adapter;
};

class RunResultSource final : public ModelSource {
public:
    RunResultSource(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan, ModelVariant variant, int threads,
                    const RunResultCalibration& calibration, const std::atomic<bool>* cancel)
        : checkpoint_(std::move(checkpoint)), original_(openModelSource(checkpoint_->path(), ModelVariant::Backbone)),
          plan_(plan), variant_(variant), threads_(threads), cancel_(cancel)
    {
        validatePlan(plan_, "plan");
        for (auto& planned : planLayers(*checkpoint_, plan_)) {
            const QuantizerSpec spec{planned.plan.method, planned.plan.bits, planned.plan.blockSize};
            // What the runner keeps unquantized stays the original's here too.
            if (planned.plan.quantize && checkQuantizable(spec, planned.layer.elements()).empty())
                layers_.emplace(planned.layer.tensorName, std::move(planned));
        }
        // A weight-objective run measured output errors but took plain LoftQ steps: nothing to reproduce.
        if (calibration.stats && !calibration.weightObjective) {
            stats_ = calibration.stats;
            std::vector<LayerDescriptor> targets;
            for (const auto& [name, planned] : layers_)
                targets.push_back(planned.layer);
            outputs_.emplace(*stats_, calibration.damping, *checkpoint_, targets);
        }
    }

    const nlohmann::json& config() const override { return original_->config(); }
    std::string label() const override
    {
        return checkpoint_->path() + (variant_ == ModelVariant::Full ? " (run result, backbone + adapter)"
                                                                     : " (run result, backbone)");
    }
    std::string tokenizerFolder() const override { return original_->tokenizerFolder(); }
    bool hasTensor(const std::string& name) const override { return original_->hasTensor(name); }
    MatrixRM readTensor(const std::string& name) const override { return original_->readTensor(name); }
    MatrixRM readRows(const std::string& name, const std::vector<std::int64_t>& rows) const override
    {
        return original_->readRows(name, rows);
    }

    MatrixRM readLinearWeight(const std::string& name, bool conv1d) const override
    {
        if (!layers_.count(name))
            return original_->readLinearWeight(name, conv1d);
        return exported(name).Q; // out x in already: readLayerWeight transposes Conv1D weights
    }

    std::optional<LowRankAdapter> adapter(const std::string& modulePath) const override
    {
        const std::string name = modulePath + ".weight";
        if (variant_ == ModelVariant::Backbone || !layers_.count(name))
            return std::nullopt;
        return exported(name).adapter;
    }

    std::vector<std::string> adaptedModules() const override
    {
        std::vector<std::string> modules;
        if (variant_ == ModelVariant::Full)
            for (const auto& [name, planned] : layers_)
                modules.push_back(planned.layer.modulePath);
        return modules;
    }

private:
    // The forward pass reads a layer's weight and then its adapter: the last layer computed is kept
    // so LoftQ runs once per layer, and memory stays at one layer.
    ExportedLayer exported(const std::string& tensorName) const
    {
        std::lock_guard lock(mutex_);
        if (last_.tensorName != tensorName)
            last_ = compute(layers_.at(tensorName));
        return last_;
    }

    // runJob's steps for one layer: its settings, seed and objective (a layer whose H cannot be
    // factored falls back to the weight objective there too), then Q in the source dtype and the
    // adapter as PEFT applies it, (alpha / r) B A, with sqrt(r / alpha) stored on each factor.
    ExportedLayer compute(const PlannedLayer& planned) const
    {
        const MatrixRM W = readLayerWeight(*checkpoint_, planned.layer);
        LoftqSettings settings = loftqSettingsFor(plan_, planned, threads_);
        const LayerObjective objective = outputs_ ? outputs_->objectiveFor(planned.layer, threads_) : LayerObjective{};
        settings.output = objective.output.get();
        const auto result = runLoftq(W, settings, {}, cancel_);
        ExportedLayer out{planned.layer.tensorName, result.Q, {}};
        roundTripThrough(planned.layer.dtype, out.Q.data(), std::size_t(out.Q.size()));
        const double rank = double(result.A.rows());
        const double alpha = plan_.alpha.value_or(rank);
        const auto factor = static_cast<float>(std::sqrt(rank / alpha));
        out.adapter.A = result.A * factor;
        out.adapter.B = result.B * factor;
        roundTripThrough(plan_.adapterDtype, out.adapter.A.data(), std::size_t(out.adapter.A.size()));
        roundTripThrough(plan_.adapterDtype, out.adapter.B.data(), std::size_t(out.adapter.B.size()));
        out.adapter.scale = static_cast<float>(alpha / rank);
        return out;
    }

    std::shared_ptr<const Checkpoint> checkpoint_;
    std::unique_ptr<ModelSource> original_;
    Plan plan_;
    ModelVariant variant_;
    int threads_;
    const std::atomic<bool>* cancel_;
    std::map<std::string, PlannedLayer> layers_; // the layers LoftQ quantizes, by tensor name
    std::shared_ptr<const CalibrationStats> stats_; // what outputs_ reads
    mutable std::optional<OutputObjectiveSource> outputs_; // an output-objective run's; used under mutex_
    mutable std::mutex mutex_;
    mutable ExportedLayer last_;
};

} // namespace

std::unique_ptr<ModelSource> openRunResultSource(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan,
                                                 ModelVariant variant, int threads,
                                                 const RunResultCalibration& calibration,
                                                 const std::atomic<bool>* cancel)
{
    if (!checkpoint)
        throwBadInput("run result", "no checkpoint");
    return std::make_unique<RunResultSource>(std::move(checkpoint), plan, variant, threads, calibration, cancel);
}

} // namespace loftq
