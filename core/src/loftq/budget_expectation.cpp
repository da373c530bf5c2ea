// What the planner expects of the plan it writes: the measured error of each chosen setting, kept
// in the plan so that a run of it can show planned beside measured (docs/budget.md).
#include "loftq/budget.hpp"
#include "loftq/calib_run.hpp"

#include <cmath>

namespace loftq {

ExpectedObjective expectedObjective(const BudgetOptions& options)
{
    ExpectedObjective objective;
    if (!options.calibration)
        return objective;
    const auto& stats = *options.calibration;
    objective.output = true;
    objective.statistics = stats.path();
    objective.textSha256 = stats.manifest().textSha256;
    objective.tokens = stats.manifest().tokens;
    objective.damping = dampingFor(stats, options.damping);
    return objective;
}

PlanExpectation expectationOf(const std::vector<LayerCurve>& curves, const std::vector<std::size_t>& choice,
                              const ExpectedObjective& objective, std::optional<int> measureSteps)
{
    PlanExpectation e;
    e.objective = objective;
    e.totalRelError = summarize(curves, choice).totalRelError;
    for (std::size_t l = 0; l < curves.size(); ++l) {
        const auto& c = curves[l];
        const auto& o = c.options[choice[l]];
        e.layers[c.layer.tensorName] = {c.plan.method,
                                        o.bits,
                                        o.rank,
                                        c.plan.blockSize,
                                        measureSteps.value_or(c.plan.steps),
                                        c.squaredNorm > 0 ? std::sqrt(o.squaredError / c.squaredNorm) : 0.0,
                                        c.squaredNorm};
    }
    return e;
}

} // namespace loftq
