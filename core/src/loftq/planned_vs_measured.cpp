// Planned beside measured. A layer compares only when the run quantized it at the setting the
// planner measured and measured the same kind of error (output errors: on statistics of the same
// calibration text and tokens, with the same damping); anything else is
// counted and said, never compared (a weight error beside an output error means nothing).
#include "loftq/planned_vs_measured.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace loftq {
namespace {

bool sameDamping(double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(1.0, std::abs(a)); }

// The run's statistics are the planner's: the same calibration text and token count. The file's
// name may differ (copied, moved); H from another text is another objective.
bool sameStatistics(const ExpectedObjective& objective, const RunReport& report)
{
    return objective.textSha256 == report.calibrationTextSha256 && objective.tokens == report.calibrationTokens;
}

// The relative error the run measured of the plan's kind for this layer, if it did.
std::optional<double> measuredOfKind(const ExpectedObjective& objective, const RunReport& report, const LayerReport& l)
{
    const bool runOutput = !report.calibration.empty() && l.objective == "output";
    if (objective.output != runOutput)
        return std::nullopt;
    if (!objective.output)
        return l.relError;
    if (!l.outputRelError || !sameStatistics(objective, report) || !sameDamping(objective.damping, report.damping))
        return std::nullopt;
    return *l.outputRelError;
}

std::string number(double x)
{
    std::ostringstream s;
    s << x;
    return s.str();
}

std::string whyNotCompared(const PlannedVsMeasured& c, const RunReport& report)
{
    const auto& o = c.objective;
    if (o.output && report.calibration.empty())
        return "the plan expects relative output errors (statistics " + o.statistics +
               "); this run measured weight errors only (run it with those statistics to compare)";
    if (o.output && !sameStatistics(o, report))
        return "the plan's output errors were measured on other statistics (" + o.statistics + ": " +
               std::to_string(o.tokens) + " tokens of text " + o.textSha256.substr(0, 12) + "); this run used " +
               report.calibration + " (" + std::to_string(report.calibrationTokens) + " tokens of text " +
               report.calibrationTextSha256.substr(0, 12) + ")";
    if (o.output && !sameDamping(o.damping, report.damping))
        return "the plan's output errors used damping " + number(o.damping) + "; this run used " +
               number(report.damping);
    if (!o.output && c.otherObjectiveLayers)
        return "the plan expects weight errors of plain LoftQ; this run minimized output errors "
               "(run it with the weight objective to compare)";
    if (c.otherObjectiveLayers)
        return "this run measured no output error for the planned layers";
    return "no layer has the setting it was planned with";
}

double total(double squaredSum, double norm) { return norm > 0 ? std::sqrt(squaredSum / norm) : 0.0; }

} // namespace

std::optional<PlannedVsMeasured> comparePlanned(const Plan& plan, const RunReport& report)
{
    if (!plan.expectation)
        return std::nullopt;
    const auto& expectation = *plan.expectation;
    PlannedVsMeasured c;
    c.objective = expectation.objective;
    c.plannedLayers = expectation.layers.size();
    double norm = 0, planned = 0, measured = 0;
    for (const auto& l : report.layers) {
        const auto it = expectation.layers.find(l.layer.tensorName);
        if (it == expectation.layers.end() || l.status != LayerStatus::Quantized || !it->second.describes(l.plan))
            continue;
        const auto& e = it->second;
        const auto m = measuredOfKind(c.objective, report, l);
        if (!m) {
            ++c.otherObjectiveLayers;
            continue;
        }
        c.layers.push_back({l.layer.tensorName, e.relError, *m, e.measureSteps, l.plan.steps});
        norm += e.squaredNorm;
        planned += e.relError * e.relError * e.squaredNorm;
        measured += *m * *m * e.squaredNorm;
    }
    c.comparedLayers = c.layers.size();
    c.changedLayers = c.plannedLayers - c.comparedLayers - c.otherObjectiveLayers;
    if (c.layers.empty()) {
        c.notCompared = whyNotCompared(c, report);
        return c;
    }
    c.plannedTotal = total(planned, norm);
    c.measuredTotal = total(measured, norm);
    const auto [mMin, mMax] = std::minmax_element(c.layers.begin(), c.layers.end(),
                                                  [](const auto& a, const auto& b) { return a.measureSteps < b.measureSteps; });
    const auto [rMin, rMax] = std::minmax_element(c.layers.begin(), c.layers.end(),
                                                  [](const auto& a, const auto& b) { return a.runSteps < b.runSteps; });
    c.measureStepsMin = mMin->measureSteps;
    c.measureStepsMax = mMax->measureSteps;
    c.runStepsMin = rMin->runSteps;
    c.runStepsMax = rMax->runSteps;
    return c;
}

nlohmann::json toJson(const PlannedVsMeasured& c)
{
    nlohmann::json j{{"objective", c.objective.name()},
                     {"layers_planned", c.plannedLayers},
                     {"layers_compared", c.comparedLayers},
                     {"layers_changed", c.changedLayers},
                     {"layers_other_objective", c.otherObjectiveLayers}};
    if (c.objective.output)
        j["statistics"] = {{"file", c.objective.statistics}, {"damping", c.objective.damping}};
    if (!c.notCompared.empty()) {
        j["not_compared"] = c.notCompared;
        return j;
    }
    j["planned_total_rel_error"] = c.plannedTotal;
    j["measured_total_rel_error"] = c.measuredTotal;
    j["measure_steps"] = {c.measureStepsMin, c.measureStepsMax};
    j["run_steps"] = {c.runStepsMin, c.runStepsMax};
    return j;
}

std::optional<PlannedVsMeasured> plannedVsMeasuredOfReport(const nlohmann::json& report)
{
    if (!report.is_object() || !report.contains("summary") || !report["summary"].is_object() ||
        !report["summary"].contains("planned"))
        return std::nullopt;
    try {
        const auto& j = report["summary"]["planned"];
        PlannedVsMeasured c;
        c.objective.output = j.at("objective") == "output";
        if (c.objective.output) {
            c.objective.statistics = j.at("statistics").at("file").get<std::string>();
            c.objective.damping = j.at("statistics").at("damping").get<double>();
        }
        c.plannedLayers = j.at("layers_planned").get<std::size_t>();
        c.comparedLayers = j.at("layers_compared").get<std::size_t>();
        c.changedLayers = j.at("layers_changed").get<std::size_t>();
        c.otherObjectiveLayers = j.at("layers_other_objective").get<std::size_t>();
        if (j.contains("not_compared")) {
            c.notCompared = j["not_compared"].get<std::string>();
            return c;
        }
        c.plannedTotal = j.at("planned_total_rel_error").get<double>();
        c.measuredTotal = j.at("measured_total_rel_error").get<double>();
        c.measureStepsMin = j.at("measure_steps").at(0).get<int>();
        c.measureStepsMax = j.at("measure_steps").at(1).get<int>();
        c.runStepsMin = j.at("run_steps").at(0).get<int>();
        c.runStepsMax = j.at("run_steps").at(1).get<int>();
        return c;
    } catch (const nlohmann::json::exception&) {
        return std::nullopt; // a report edited by hand: show no comparison rather than a wrong one
    }
}

} // namespace loftq
