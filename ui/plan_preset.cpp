#include "plan_preset.hpp"

namespace loftq::ui {

Plan withPreset(Plan plan, const std::string& preset)
{
    auto dropBits = [](LayerPatch& p) {
        p.bits.reset();
        p.keep.reset();
    };
    for (auto& rule : plan.rules)
        dropBits(rule.patch);
    std::erase_if(plan.rules, [](const PlanRule& r) { return r.patch == LayerPatch{}; });
    for (auto& [name, patch] : plan.layers)
        dropBits(patch);
    std::erase_if(plan.layers, [](const auto& entry) { return entry.second == LayerPatch{}; });
    plan.defaults.quantize = true;
    loftq::applyPreset(plan, preset);
    return plan;
}

} // namespace loftq::ui
