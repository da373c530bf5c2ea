#pragma once
// Progress events from the runner. Plain values, so front ends can copy them across threads
// (the GUI through queued signals, the CLI to a terminal bar or JSON lines).
#include "loftq/report.hpp"

#include <functional>
#include <optional>
#include <string>

namespace loftq {

struct ProgressEvent {
    enum class Kind { RunStarted, LayerStarted, StepFinished, LayerFinished, Message, RunFinished };
    Kind kind = Kind::Message;
    int layerIndex = -1;       // index into the run's target list
    int layerCount = 0;
    std::string layer;         // tensor name
    int step = 0;              // StepFinished: 1-based step
    double relError = 0;       // StepFinished: that step's error
    // StepFinished, output objective: that step's relative output error, for the workbench's live
    // chart. Not in toJson: the CLI's JSON lines stay as they were (the report has these errors).
    std::optional<double> outputRelError;
    double elapsedSeconds = 0; // since the run started
    double fractionDone = 0;   // 0..1, weighted by matrix work
    double etaSeconds = -1;    // -1 while unknown
    std::optional<LayerReport> report; // LayerFinished
    std::string message;       // Message / RunFinished summary
};
std::string_view progressKindName(ProgressEvent::Kind k);
nlohmann::json toJson(const ProgressEvent& e);

using ProgressSink = std::function<void(const ProgressEvent&)>;

} // namespace loftq
