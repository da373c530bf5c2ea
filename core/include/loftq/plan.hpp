#pragma once
// The plan: what each target layer gets (bits or keep, rank, quantizer, steps, block size).
// Defaults, then ordered rules (each matching rule overrides the fields it sets), then per-layer
// overrides. Saved as JSON (`loftq_plan.json`), read back by `--plan` and by the GUI.
#include "loftq/dtype.hpp"
#include "loftq/plan_expectation.hpp"
#include "loftq/quantizer.hpp"
#include "loftq/svd.hpp"
#include "loftq/targets.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loftq {

struct LayerPlan {
    bool quantize = true; // false: "keep", copied unquantized, no adapter
    QuantMethod method = QuantMethod::NormalFloat;
    int bits = 4;
    int rank = 16;
    int steps = 5;
    int blockSize = 64;
    bool operator==(const LayerPlan&) const = default;
};

// Fields a rule or override sets; unset fields leave the value before it.
struct LayerPatch {
    std::optional<bool> keep;
    std::optional<QuantMethod> method;
    std::optional<int> bits;
    std::optional<int> rank;
    std::optional<int> steps;
    std::optional<int> blockSize;
    void applyTo(LayerPlan& plan) const;
    // Sets every field `later` sets; the fields it leaves unset keep their value here.
    void mergeFrom(const LayerPatch& later);
    bool operator==(const LayerPatch&) const = default;
};

struct PlanRule {
    std::string pattern;              // std::regex searched in the tensor name; empty = any
    std::optional<int> blockFrom;     // half-open block range [from, to), parsed block index,
    std::optional<int> blockTo;       // encoder and decoder counted separately
    LayerPatch patch;
    bool matches(const LayerDescriptor& layer) const;
    bool operator==(const PlanRule&) const = default;
};

enum class OnBadTensor { Fail, Keep }; // NaN/Inf weights: stop the run, or keep that tensor as is

struct Plan {
    LayerPlan defaults;
    std::vector<std::string> targets;           // empty: the default target rule
    std::vector<PlanRule> rules;
    std::map<std::string, LayerPatch> layers;   // tensor name -> override
    SvdMethod svd = SvdMethod::Fast;
    std::uint64_t seed = 0;
    std::optional<double> alpha;                // LoRA alpha; unset = each layer's rank
    DType adapterDtype = DType::F32;
    OnBadTensor onBadTensor = OnBadTensor::Fail;
    // Written by the budget planner: the error it expects of each layer it set. An entry counts
    // only while the layer resolves to the setting it names (LayerExpectation::describes).
    std::optional<PlanExpectation> expectation;

    LayerPlan resolve(const LayerDescriptor& layer) const;
    nlohmann::json toJson() const;
    // Throws Error(BadInput) naming `label` (the plan file) and the problem.
    static Plan fromJson(const nlohmann::json& j, const std::string& label);
    static Plan load(const std::string& path);
    bool operator==(const Plan&) const = default;
};

// One planned target: its descriptor and resolved settings.
struct PlannedLayer {
    LayerDescriptor layer;
    LayerPlan plan;
};
// The checkpoint's targets under the plan, in checkpoint order.
std::vector<PlannedLayer> planLayers(const Checkpoint& checkpoint, const Plan& plan);

// Presets: "mixed:K" (4 bits for blocks 0..K-1, 2 bits after), "all:B" (every target B bits).
// A preset replaces every bits choice (defaults, rules and per-layer overrides, "keep" included);
// ranks, steps and quantizers stay. The CLI, the workbench and budget comparisons all mean this.
// The planner's expectation goes too: it was for bits the preset has just replaced.
// Throws Error(BadInput) for an unknown name.
void applyPreset(Plan& plan, const std::string& name);
// Checks every value is supported (bits for the quantizer, rank >= 1, steps >= 1, block >= 1).
void validatePlan(const Plan& plan, const std::string& label);

} // namespace loftq
