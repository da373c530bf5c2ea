#pragma once
// What the budget planner expected of the plan it wrote (docs/budget.md, "Planned and measured"):
// the error it measured for each layer at the setting it chose, so that a run of the plan can show
// planned beside measured. Stored in the plan file as the optional "expectation" block.
#include "loftq/quantizer.hpp"

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace loftq {

struct LayerPlan;

// What the errors are errors of: weight errors, or relative output errors on one set of
// calibration statistics with one damping (docs/calibration.md).
struct ExpectedObjective {
    bool output = false;
    std::string statistics;   // the statistics file as named when planning
    std::string textSha256;   // its manifest's identity of the calibration text
    std::uint64_t tokens = 0; // calibration tokens
    double damping = 0;       // lambda / mean(diag H) the measurements used
    std::string name() const { return output ? "output" : "weight"; }
    bool operator==(const ExpectedObjective&) const = default;
};

struct LayerExpectation {
    // The setting it was measured at. It describes the layer only while the plan still resolves
    // the layer to this setting (a later edit or preset makes it stale; steps may differ: see
    // measureSteps).
    QuantMethod method = QuantMethod::NormalFloat;
    int bits = 0;
    int rank = 0;
    int blockSize = 0;
    int measureSteps = 1;    // LoftQ steps of the planner's measurement (the run takes the plan's)
    double relError = 0;     // sqrt(squared error) / ||W||: weight or relative output error
    double squaredNorm = 0;  // ||W||^2, the layer's weight in a total
    bool describes(const LayerPlan& resolved) const;
    bool operator==(const LayerExpectation&) const = default;
};

struct PlanExpectation {
    ExpectedObjective objective;
    double totalRelError = 0; // sqrt(sum relError^2 squaredNorm / sum squaredNorm) when planned
    std::map<std::string, LayerExpectation> layers; // tensor name -> expectation
    nlohmann::json toJson() const;
    // Throws Error(BadInput) naming `label` (the plan file) and the problem.
    static PlanExpectation fromJson(const nlohmann::json& j, const std::string& label);
    bool operator==(const PlanExpectation&) const = default;
};

} // namespace loftq
