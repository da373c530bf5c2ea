#pragma once
// A run of a planned plan beside what the planner expected of it (docs/budget.md, "Planned and
// measured"): per layer and in total, on the plan's objective, over the layers that still have the
// setting they were planned with and whose run measured the same kind of error. The report
// carries it (loftq_report.json: summary "planned" and each layer's "planned_*"); the CLI and the
// workbench read it from there.
#include "loftq/plan.hpp"
#include "loftq/report.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loftq {

struct LayerPlannedVsMeasured {
    std::string tensor;
    double planned = 0;   // the planner's relative error (weight or output: the plan's objective)
    double measured = 0;  // the run's, on the exported tensors
    int measureSteps = 1; // the planner's steps for it
    int runSteps = 1;     // the run's
};

struct PlannedVsMeasured {
    ExpectedObjective objective;     // what the plan's errors are
    std::string notCompared;         // why no layer compares; empty when some do
    std::size_t plannedLayers = 0;   // layers the expectation names
    std::size_t changedLayers = 0;   // named, but no longer quantized at the planned setting
    std::size_t otherObjectiveLayers = 0; // the run measured another kind of error for them
    std::vector<LayerPlannedVsMeasured> layers; // compared, in run order (empty when read from a report)
    std::size_t comparedLayers = 0;
    // Over the compared layers: sqrt(sum e^2 ||W||^2 / sum ||W||^2), as the planner totals.
    double plannedTotal = 0;
    double measuredTotal = 0;
    int measureStepsMin = 0, measureStepsMax = 0; // over the compared layers
    int runStepsMin = 0, runStepsMax = 0;
};

// Empty when the plan carries no expectation.
std::optional<PlannedVsMeasured> comparePlanned(const Plan& plan, const RunReport& report);
// The report's "planned" summary block (no per-layer list).
nlohmann::json toJson(const PlannedVsMeasured& comparison);
// Reads it back from a loftq_report.json; empty when the report has none (or is not a report).
std::optional<PlannedVsMeasured> plannedVsMeasuredOfReport(const nlohmann::json& report);

} // namespace loftq
