// The planner's expectation and its JSON form, the plan file's "expectation" block. Like the rest
// of the plan, unknown keys and values out of range are errors naming the plan file.
#include "loftq/plan_expectation.hpp"
#include "loftq/errors.hpp"
#include "loftq/plan.hpp"

#include <cmath>
#include <set>

namespace loftq {
namespace {

using json = nlohmann::json;

void requireKeys(const json& j, const std::set<std::string>& required, const std::set<std::string>& optional,
                 const std::string& label, const std::string& where)
{
    if (!j.is_object())
        throwBadInput(label, where + " must be an object");
    for (const auto& [key, value] : j.items())
        if (!required.count(key) && !optional.count(key))
            throwBadInput(label, where + ": unknown key '" + key + "'");
    for (const auto& key : required)
        if (!j.contains(key))
            throwBadInput(label, where + ": missing '" + key + "'");
}

double requireNonNegative(const json& v, const std::string& label, const std::string& what)
{
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0)
        throwBadInput(label, what + " must be a finite number >= 0");
    return v.get<double>();
}

int requirePositiveInt(const json& v, const std::string& label, const std::string& what)
{
    if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 1'000'000)
        throwBadInput(label, what + " must be an integer from 1 to 1000000");
    return int(v.get<std::int64_t>());
}

std::string requireString(const json& v, const std::string& label, const std::string& what)
{
    if (!v.is_string())
        throwBadInput(label, what + " must be a string");
    return v.get<std::string>();
}

LayerExpectation layerFromJson(const json& j, const std::string& label, const std::string& where)
{
    requireKeys(j, {"method", "bits", "rank", "block_size", "measure_steps", "rel_error", "squared_norm"}, {}, label,
                where);
    LayerExpectation e;
    const auto method = parseQuantMethod(requireString(j["method"], label, where + ".method"));
    if (!method)
        throwBadInput(label, where + ".method must be \"nf\" or \"uniform\"");
    e.method = *method;
    e.bits = requirePositiveInt(j["bits"], label, where + ".bits");
    e.rank = requirePositiveInt(j["rank"], label, where + ".rank");
    e.blockSize = requirePositiveInt(j["block_size"], label, where + ".block_size");
    e.measureSteps = requirePositiveInt(j["measure_steps"], label, where + ".measure_steps");
    e.relError = requireNonNegative(j["rel_error"], label, where + ".rel_error");
    e.squaredNorm = requireNonNegative(j["squared_norm"], label, where + ".squared_norm");
    return e;
}

} // namespace

bool LayerExpectation::describes(const LayerPlan& resolved) const
{
    return resolved.quantize && resolved.method == method && resolved.bits == bits && resolved.rank == rank &&
           resolved.blockSize == blockSize;
}

json PlanExpectation::toJson() const
{
    json j{{"objective", objective.name()}, {"total_rel_error", totalRelError}, {"layers", json::object()}};
    if (objective.output)
        j["statistics"] = {{"file", objective.statistics},
                           {"text_sha256", objective.textSha256},
                           {"tokens", objective.tokens},
                           {"damping", objective.damping}};
    for (const auto& [name, e] : layers)
        j["layers"][name] = {{"method", quantMethodName(e.method)}, {"bits", e.bits},
                             {"rank", e.rank},      {"block_size", e.blockSize},
                             {"measure_steps", e.measureSteps}, {"rel_error", e.relError},
                             {"squared_norm", e.squaredNorm}};
    return j;
}

PlanExpectation PlanExpectation::fromJson(const json& j, const std::string& label)
{
    requireKeys(j, {"objective", "total_rel_error", "layers"}, {"statistics"}, label, "expectation");
    PlanExpectation e;
    const auto objective = requireString(j["objective"], label, "expectation.objective");
    if (objective != "weight" && objective != "output")
        throwBadInput(label, "expectation.objective must be \"weight\" or \"output\"");
    e.objective.output = objective == "output";
    // Output errors mean nothing without the statistics they were measured on.
    if (e.objective.output != j.contains("statistics"))
        throwBadInput(label, e.objective.output ? "expectation: output errors need \"statistics\""
                                                : "expectation: weight errors take no \"statistics\"");
    if (e.objective.output) {
        const auto& s = j["statistics"];
        requireKeys(s, {"file", "text_sha256", "tokens", "damping"}, {}, label, "expectation.statistics");
        e.objective.statistics = requireString(s["file"], label, "expectation.statistics.file");
        e.objective.textSha256 = requireString(s["text_sha256"], label, "expectation.statistics.text_sha256");
        if (!s["tokens"].is_number_unsigned())
            throwBadInput(label, "expectation.statistics.tokens must be a non-negative integer");
        e.objective.tokens = s["tokens"].get<std::uint64_t>();
        e.objective.damping = requireNonNegative(s["damping"], label, "expectation.statistics.damping");
    }
    e.totalRelError = requireNonNegative(j["total_rel_error"], label, "expectation.total_rel_error");
    if (!j["layers"].is_object())
        throwBadInput(label, "expectation.layers must be an object of tensor name -> expectation");
    for (const auto& [name, lj] : j["layers"].items())
        e.layers[name] = layerFromJson(lj, label, "expectation.layers['" + name + "']");
    return e;
}

} // namespace loftq
