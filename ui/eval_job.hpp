#pragma once
// One evaluation as the workbench asks for it, in plain values: the original alone, or the run's
// result or an export folder against the original, in both variants (backbone only: the QLoRA
// initialization; backbone + adapter: LoftQ). runEvaluation does the engine's work on whatever
// thread calls it and touches nothing of the GUI; the controller runs it in the background.
#include "loftq/eval.hpp"
#include "loftq/planned_vs_measured.hpp"
#include "loftq/report.hpp"
#include "loftq/run_result_source.hpp"
#include "loftq/runner.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace loftq::ui {

enum class EvalSubject { Original, Run, Export };

struct EvalRequest {
    EvalSubject subject = EvalSubject::Original;
    std::shared_ptr<const Checkpoint> checkpoint; // the open checkpoint: the original
    // Run: the plan the run ran, its calibration and its report (the weights are recomputed layer
    // by layer, output-aware ones from the same statistics).
    Plan plan;
    RunResultCalibration calibration;
    std::optional<RunReport> runReport;
    std::string exportPath; // Export: an hf-peft or bnb-nf4 folder, a packed folder or model.loftq
    std::string textFile;
    EvalOptions options;
};

// A worst prediction in words: the text before it, the token, the text after it (decoded by the
// model's tokenizer), and what the model and the original expected instead.
struct WorstInText {
    std::string before, token, after;
    std::string modelTop1, originalTop1;
};

// What the evaluated plan is, for the history: the same figures for a run and an export.
struct PlanDigest {
    std::string summary;               // "4-bit ×8, 2-bit ×6 · rank 16", or "original"
    std::uint64_t estimatedBytes = 0;  // backbone at its bits + adapters (the packed size); 0: unknown
    std::optional<double> meanWeightError; // mean ||W - Q - BA|| / ||W|| over the quantized layers
    // What the steps minimized (docs/calibration.md): "weight", "output", "output, 2 layers weight"
    // (those fell back); empty for the original.
    std::string objective;
    std::optional<double> meanOutputError; // mean relative output error, with calibration statistics
    std::string calibration;               // the statistics the report names; empty without
    // A plan from the budget planner: its expected total error beside the run's measured one.
    std::optional<PlannedVsMeasured> planned;
};

struct EvalOutcome {
    std::optional<EvalResult> original; // Original: the original alone
    std::optional<EvalResult> backbone; // Run, Export: the QLoRA initialization against the original
    std::optional<EvalResult> full;     // Run, Export: LoftQ against the original
    std::vector<WorstInText> worst;     // of `full` (of `original` alone), in its order
    PlanDigest digest;
    std::string error;                  // why it failed; empty when it did not
    bool cancelled = false;
    // The result whose worst predictions and metrics lead: full, or original alone.
    const EvalResult* main() const { return full ? &*full : original ? &*original : nullptr; }
};

// fraction of the whole evaluation done (0..1) and what runs now.
using EvalProgress = std::function<void(double fraction, const std::string& what)>;

// Never throws: failures and cancellation come back in the outcome.
EvalOutcome runEvaluation(const EvalRequest& request, const EvalProgress& progress, const std::atomic<bool>* cancel);

// The plan's digest from a report as loftq_report.json holds it.
PlanDigest digestOfReport(const nlohmann::json& report);

} // namespace loftq::ui
