#include "budget_solution.hpp"
#include "loftq/errors.hpp"

#include <algorithm>

namespace loftq::ui {
namespace {

template <typename T>
bool contains(const std::vector<T>& values, const T& value)
{
    return std::find(values.begin(), values.end(), value) != values.end();
}

// The curves with only the options allowed now (a measurement may have covered more).
std::vector<LayerCurve> allowedOptions(const std::vector<LayerCurve>& curves, const std::vector<int>& bits,
                                       const std::vector<int>& ranks)
{
    std::vector<LayerCurve> allowed = curves;
    for (auto& c : allowed) {
        std::erase_if(c.options, [&](const LayerOption& o) {
            return !contains(bits, o.bits) || (!ranks.empty() && !contains(ranks, o.rank));
        });
        if (c.options.empty())
            throwBadInput("budget", "no measured setting of layer '" + c.layer.tensorName + "' is allowed");
    }
    return allowed;
}

std::optional<PresetComparison> paperPresetWithin(const std::vector<LayerCurve>& curves, const Plan& plan,
                                                  std::uint64_t capacity)
{
    int blocks = 0;
    for (const auto& c : curves)
        blocks = std::max(blocks, c.layer.place.block + 1);
    std::optional<PresetComparison> fitting;
    for (int k = 0; k <= blocks; ++k) { // sizes grow with K: the last that fits is the largest
        Plan mixed = plan;
        applyPreset(mixed, "mixed:" + std::to_string(k));
        const auto choice = choiceOf(curves, mixed);
        if (!choice)
            return std::nullopt; // 2 or 4 bits (or the planned rank) not among the options
        const auto summary = summarize(curves, *choice);
        if (summary.bytes <= capacity)
            fitting = PresetComparison{k, summary};
    }
    return fitting;
}

} // namespace

BudgetSolution solveBudget(const BudgetRequest& r)
{
    BudgetSolution s;
    try {
        const auto curves = allowedOptions(*r.curves, r.bits, r.ranks);
        s.capacity = targetCapacity(r.budget, *r.checkpoint, r.plan, curves);
        const auto allocation = allocateBudget(curves, s.capacity);
        s.summary = summarize(curves, allocation.choice);
        for (std::size_t l = 0; l < curves.size(); ++l) {
            const auto& o = curves[l].options[allocation.choice[l]];
            LayerPatch& patch = s.patches[curves[l].layer.tensorName];
            patch.bits = o.bits;
            if (!r.ranks.empty())
                patch.rank = o.rank;
        }
        s.expectation = expectationOf(curves, allocation.choice, r.objective, r.measureSteps);
        s.paperPreset = paperPresetWithin(curves, r.plan, s.capacity);
        s.outputError = !curves.empty() && curves.front().output;
    } catch (const Error& e) {
        s = BudgetSolution{};
        s.error = QString::fromStdString(e.what());
    }
    return s;
}

} // namespace loftq::ui
