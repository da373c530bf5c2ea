#include "loftq/progress.hpp"

namespace loftq {

std::string_view progressKindName(ProgressEvent::Kind k)
{
    switch (k) {
    case ProgressEvent::Kind::RunStarted: return "run_started";
    case ProgressEvent::Kind::LayerStarted: return "layer_started";
    case ProgressEvent::Kind::StepFinished: return "step_finished";
    case ProgressEvent::Kind::LayerFinished: return "layer_finished";
    case ProgressEvent::Kind::Message: return "message";
    case ProgressEvent::Kind::RunFinished: return "run_finished";
    }
    return "?";
}

nlohmann::json toJson(const ProgressEvent& e)
{
    nlohmann::json j;
    j["event"] = progressKindName(e.kind);
    j["elapsed"] = e.elapsedSeconds;
    j["fraction"] = e.fractionDone;
    if (e.etaSeconds >= 0)
        j["eta"] = e.etaSeconds;
    if (e.layerIndex >= 0) {
        j["layer_index"] = e.layerIndex;
        j["layer"] = e.layer;
    }
    j["layer_count"] = e.layerCount;
    if (e.kind == ProgressEvent::Kind::StepFinished) {
        j["step"] = e.step;
        j["rel_error"] = e.relError;
    }
    if (e.report)
        j["report"] = e.report->toJson();
    if (!e.message.empty())
        j["message"] = e.message;
    return j;
}

} // namespace loftq
