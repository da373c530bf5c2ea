#pragma once
// What a run measured, per layer and in total. Front ends show only this and progress events;
// written to the export as loftq_report.json.
#include "loftq/plan.hpp"
#include "loftq/targets.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loftq {

enum class LayerStatus { Quantized, Kept, Skipped };
std::string_view layerStatusName(LayerStatus s);

struct LayerReport {
    LayerDescriptor layer;
    LayerPlan plan;
    LayerStatus status = LayerStatus::Quantized;
    std::string note;                       // why it was kept or skipped
    // Measured in float32 during the alternating steps.
    std::vector<double> stepErrors;         // rel_error[t], t = 1..T
    int bestStep = 0;
    // Measured on what is exported: Q in the export dtype, B and A in the adapter dtype with
    // the PEFT scaling applied (docs/algorithm.md "Errors").
    double qloraRelError = 0;               // ||W - quant(W)|| / ||W||, exported Q of step 1
    double relError = 0;                    // ||W - Q - s B A|| / ||W||, exported tensors
    double improvement() const { return qloraRelError > 0 ? 1.0 - relError / qloraRelError : 0.0; }
    int rank = 0;                           // rank actually used (<= min(out, in))
    double alpha = 0;
    std::vector<float> adapterSingularValues; // top singular values of W - Q that the adapter holds
    // With calibration statistics (docs/calibration.md): what the steps minimized ("weight" or
    // "output") and the relative output errors sqrt(tr(E H E^T) / tr(W H W^T)), measured like
    // the weight errors above (QLoRA-init on the exported Q1, the result on the exported tensors).
    std::string objective;                  // empty: a run without statistics
    std::optional<double> qloraOutputRelError;
    std::optional<double> outputRelError;
    std::vector<double> stepOutputErrors;   // per step, float32, output objective only
    double seconds = 0;
    nlohmann::json toJson() const;
};

struct RunReport {
    std::string source;
    std::string engineVersion = LOFTQ_VERSION;
    int threads = 1;
    double seconds = 0;
    std::vector<LayerReport> layers;
    std::uint64_t sourceBytes = 0;
    std::string calibration;                // the statistics file, empty without one
    std::string calibrationTextSha256;      // its manifest's identity of the calibration text
    std::uint64_t calibrationTokens = 0;    // and its calibration tokens
    double damping = 0;                     // lambda / mean(diag H) used with it
    nlohmann::json toJson(const Plan& plan) const;
};

} // namespace loftq
