// From a budget to a plan: what the budget leaves for the targets, then measure, allocate, and
// write each layer's choice as a per-layer override.
#include "loftq/budget.hpp"
#include "loftq/errors.hpp"
#include "loftq/packed_format.hpp"
#include "loftq/size_estimate.hpp"

#include <cmath>
#include <set>

namespace loftq {

std::uint64_t targetCapacity(const Budget& budget, const Checkpoint& cp, const Plan& plan,
                             const std::vector<LayerCurve>& curves)
{
    if (budget.kind == Budget::Kind::AverageBits) {
        // Code bits per weight; the scales and adapters every setting of the planned rank has come on top.
        double elements = 0;
        std::uint64_t overhead = 0;
        for (const auto& c : curves) {
            elements += double(c.layer.elements());
            overhead += estimateLayerSize(c.layer, c.plan, plan.adapterDtype).total() -
                        packedCodeBytes(c.layer.elements(), c.plan.bits);
        }
        return std::uint64_t(std::floor(budget.value * elements / 8.0)) + overhead;
    }
    // A size: the packed export's tensors, of which everything not measured stays as stored.
    std::set<std::string> measured;
    for (const auto& c : curves)
        measured.insert(c.layer.tensorName);
    std::uint64_t fixed = 0;
    for (const auto& t : cp.tensors())
        if (!measured.count(t.info.name))
            fixed += t.info.byteSize();
    if (budget.value < double(fixed))
        throwBadInput("--budget", budget.describe() + " is less than the " + std::to_string(fixed) +
                                      " bytes of tensors that stay unquantized");
    return std::uint64_t(budget.value) - fixed;
}

BudgetResult planForBudget(const Checkpoint& cp, const Plan& plan, const Budget& budget, const BudgetOptions& options,
                           const BudgetProgressSink& progress, const std::atomic<bool>* cancel)
{
    BudgetResult r;
    r.curves = measureLayerCurves(cp, plan, options, progress, cancel);
    r.capacity = targetCapacity(budget, cp, plan, r.curves);
    r.allocation = allocateBudget(r.curves, r.capacity, options.maxColumns);
    r.summary = summarize(r.curves, r.allocation.choice);
    r.plan = plan;
    for (std::size_t l = 0; l < r.curves.size(); ++l) {
        const auto& o = r.curves[l].options[r.allocation.choice[l]];
        auto& patch = r.plan.layers[r.curves[l].layer.tensorName];
        patch.bits = o.bits;
        if (!options.ranks.empty())
            patch.rank = o.rank;
    }
    r.plan.expectation = expectationOf(r.curves, r.allocation.choice, expectedObjective(options), options.measureSteps);
    return r;
}

} // namespace loftq
