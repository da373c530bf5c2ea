#include "loftq/report.hpp"
#include "loftq/planned_vs_measured.hpp"

#include <map>

namespace loftq {

std::string_view layerStatusName(LayerStatus s)
{
    switch (s) {
    case LayerStatus::Quantized: return "quantized";
    case LayerStatus::Kept: return "kept";
    case LayerStatus::Skipped: return "skipped";
    }
    return "?";
}

nlohmann::json LayerReport::toJson() const
{
    nlohmann::json j;
    j["tensor"] = layer.tensorName;
    j["module"] = layer.modulePath;
    j["role"] = layer.role;
    j["stack"] = layer.place.stack;
    j["block"] = layer.place.block;
    j["shape"] = {layer.outFeatures, layer.inFeatures};
    j["dtype"] = dtypeName(layer.dtype);
    j["conv1d_transposed"] = layer.conv1d;
    j["status"] = layerStatusName(status);
    if (!note.empty())
        j["note"] = note;
    if (status != LayerStatus::Quantized)
        return j;
    j["method"] = quantMethodName(plan.method);
    j["bits"] = plan.bits;
    j["block_size"] = plan.blockSize;
    j["steps"] = plan.steps;
    j["rank"] = rank;
    j["lora_alpha"] = alpha;
    j["qlora_rel_error"] = qloraRelError;
    j["rel_error"] = relError;
    j["improvement"] = improvement();
    j["step_rel_errors"] = stepErrors;
    j["best_step"] = bestStep;
    j["adapter_singular_values"] = adapterSingularValues;
    if (!objective.empty())
        j["objective"] = objective;
    if (outputRelError) {
        j["qlora_output_rel_error"] = *qloraOutputRelError;
        j["output_rel_error"] = *outputRelError;
    }
    if (!stepOutputErrors.empty())
        j["step_output_rel_errors"] = stepOutputErrors;
    j["seconds"] = seconds;
    return j;
}

nlohmann::json RunReport::toJson(const Plan& plan) const
{
    nlohmann::json j;
    j["format"] = "loftq-report";
    j["version"] = 1;
    j["engine_version"] = engineVersion;
    j["source"] = source;
    j["threads"] = threads;
    j["seconds"] = seconds;
    j["svd"] = svdMethodName(plan.svd);
    j["seed"] = plan.seed;
    j["definitions"] = {
        {"qlora_rel_error", "||W - Q1|| / ||W||, Q1 = quant(W) as exported (source dtype), adapters zero"},
        {"rel_error", "||W - Q - (alpha/r) B A|| / ||W|| on the exported Q, lora_A, lora_B"},
        {"step_rel_errors", "||W - Q_t - B_t A_t|| / ||W|| per alternating step, float32"},
        {"improvement", "1 - rel_error / qlora_rel_error"}};
    if (!calibration.empty()) {
        j["calibration"] = {{"statistics", calibration},
                            {"text_sha256", calibrationTextSha256},
                            {"tokens", calibrationTokens},
                            {"damping", damping}};
        j["definitions"]["qlora_output_rel_error"] =
            "sqrt(tr(E H E^T) / tr(W H W^T)), E = W - Q1, H = X^T X of the layer's calibration inputs";
        j["definitions"]["output_rel_error"] = "the same for E = W - Q - (alpha/r) B A on the exported tensors";
        j["definitions"]["step_output_rel_errors"] = "the same per alternating step, float32 (output objective)";
    }
    const auto planned = comparePlanned(plan, *this);
    std::map<std::string, const LayerPlannedVsMeasured*> plannedLayers;
    if (planned) {
        j["definitions"]["planned"] = "what the budget planner expected (its measurement, planned_*) beside what "
                                      "this run measured, over the layers still at the planned setting";
        for (const auto& p : planned->layers)
            plannedLayers[p.tensor] = &p;
    }
    const std::string plannedKey = planned && planned->objective.output ? "planned_output_rel_error" : "planned_rel_error";
    std::size_t quantized = 0, measuredOutput = 0;
    double sumQlora = 0, sumErr = 0, sumQloraOutput = 0, sumOutput = 0;
    j["layers"] = nlohmann::json::array();
    for (const auto& l : layers) {
        j["layers"].push_back(l.toJson());
        if (const auto p = plannedLayers.find(l.layer.tensorName); p != plannedLayers.end()) {
            j["layers"].back()[plannedKey] = p->second->planned;
            j["layers"].back()["planned_measure_steps"] = p->second->measureSteps;
        }
        if (l.status == LayerStatus::Quantized) {
            ++quantized;
            sumQlora += l.qloraRelError;
            sumErr += l.relError;
        }
        if (l.outputRelError) {
            ++measuredOutput;
            sumQloraOutput += *l.qloraOutputRelError;
            sumOutput += *l.outputRelError;
        }
    }
    j["summary"] = {{"layers", layers.size()},
                    {"quantized", quantized},
                    {"mean_qlora_rel_error", quantized ? sumQlora / quantized : 0.0},
                    {"mean_rel_error", quantized ? sumErr / quantized : 0.0}};
    if (measuredOutput) {
        j["summary"]["mean_qlora_output_rel_error"] = sumQloraOutput / double(measuredOutput);
        j["summary"]["mean_output_rel_error"] = sumOutput / double(measuredOutput);
    }
    if (planned)
        j["summary"]["planned"] = loftq::toJson(*planned);
    return j;
}

} // namespace loftq
