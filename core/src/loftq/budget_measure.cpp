// Measuring each target layer at each allowed setting: a short LoftQ run (fast SVD, by default one
// step: QLoRA quantization plus the SVD of its residual) per setting.
#include "loftq/budget.hpp"
#include "loftq/calib_run.hpp"
#include "loftq/errors.hpp"
#include "loftq/layer_job.hpp"
#include "loftq/size_estimate.hpp"

#include <algorithm>

namespace loftq {

std::vector<LayerCurve> measureLayerCurves(const Checkpoint& cp, const Plan& plan, const BudgetOptions& options,
                                           const BudgetProgressSink& progress, const std::atomic<bool>* cancel)
{
    for (const auto& q : allQuantizers())
        for (int bits : options.bits)
            if (const auto problem = checkBits(q.method, bits); !problem.empty())
                throwBadInput("budget", problem);
    for (int rank : options.ranks)
        if (rank < 1)
            throwBadInput("budget", "ranks must be at least 1");
    if (options.bits.empty())
        throwBadInput("budget", "no bits to choose from");
    std::vector<PlannedLayer> layers;
    for (auto& p : planLayers(cp, plan))
        if (p.plan.quantize && checkQuantizable({p.plan.method, p.plan.bits, p.plan.blockSize}, p.layer.elements()).empty())
            layers.push_back(std::move(p));
    const std::size_t ranksPerLayer = options.ranks.empty() ? 1 : options.ranks.size();
    BudgetProgress state{0, int(layers.size() * options.bits.size() * ranksPerLayer), {}};

    std::optional<OutputObjectiveSource> outputs;
    if (options.calibration) {
        std::vector<LayerDescriptor> targets;
        for (const auto& p : layers)
            targets.push_back(p.layer);
        outputs.emplace(*options.calibration, options.damping, cp, targets);
    }

    std::vector<LayerCurve> curves;
    for (const auto& p : layers) {
        const MatrixRM W = readLayerWeight(cp, p.layer);
        if (!W.allFinite()) {
            // The run stops or keeps such a layer; either way it is not the planner's to size.
            state.done += int(options.bits.size() * ranksPerLayer);
            continue;
        }
        // Output errors of all layers add up only when every layer has one: no fallback here.
        const LayerObjective objective = outputs ? outputs->objectiveFor(p.layer, std::max(1, options.threads)) : LayerObjective{};
        if (outputs && !objective.output)
            throwBadInput(options.calibration->path(), "cannot plan on output error: " + quoteName(p.layer.modulePath) +
                                                           ": " + objective.fallback);
        // Output errors enter as relative output errors scaled by ||W||^2, in the units of the weight
        // objective (and equal to it when H is a multiple of I). Absolute output errors grow with
        // depth as the residual stream does, and summing them starved the first blocks of bits:
        // KL 0.104 against 0.095 for the weight plan on pico-llama (docs/calibration.md).
        LayerCurve curve{p.layer, p.plan, W.cast<double>().squaredNorm(), {}, bool(objective.output)};
        for (int bits : options.bits)
            for (std::size_t r = 0; r < ranksPerLayer; ++r) {
                PlannedLayer setting = p;
                setting.plan.bits = bits;
                setting.plan.rank = options.ranks.empty() ? p.plan.rank : options.ranks[r];
                setting.plan.steps = options.measureSteps.value_or(p.plan.steps);
                LoftqSettings s = loftqSettingsFor(plan, setting, options.threads, options.nfArithmetic);
                s.svd.method = SvdMethod::Fast;
                s.output = objective.output.get();
                const auto result = runLoftq(W, s, {}, cancel);
                const auto& best = result.steps[std::size_t(result.bestStep - 1)];
                const double rel = best.outputRelError.value_or(best.relError);
                curve.options.push_back({bits, setting.plan.rank,
                                         estimateLayerSize(p.layer, setting.plan, plan.adapterDtype).total(),
                                         rel * rel * curve.squaredNorm});
                ++state.done;
                state.layer = p.layer.tensorName;
                if (progress)
                    progress(state);
            }
        curves.push_back(std::move(curve));
    }
    return curves;
}

} // namespace loftq
