#include "budget_curves.hpp"
#include "plan_document.hpp"

#include <algorithm>

namespace loftq::ui {
namespace {

bool includes(const std::vector<int>& all, const std::vector<int>& some)
{
    return std::all_of(some.begin(), some.end(),
                       [&](int v) { return std::find(all.begin(), all.end(), v) != all.end(); });
}

} // namespace

CurveInputs curveInputs(const PlanDocument& document, const BudgetOptions& options, const RunCalibration& calibration)
{
    CurveInputs inputs{document.checkpoint(),    document.plan().seed, document.plan().adapterDtype,
                       document.nfArithmetic(),  {},                   calibration.stats,
                       calibration.stats ? calibration.damping : std::nullopt};
    for (const auto& l : document.layers())
        inputs.layers.push_back({l.layer.tensorName, l.plan.quantize, l.plan.method, l.plan.blockSize,
                                 options.ranks.empty() ? l.plan.rank : 0});
    return inputs;
}

bool covers(const BudgetOptions& measured, const std::vector<int>& bits, const std::vector<int>& ranks)
{
    return includes(measured.bits, bits) && measured.ranks.empty() == ranks.empty() && includes(measured.ranks, ranks);
}

} // namespace loftq::ui
