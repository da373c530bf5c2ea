#pragma once
// The result of a run (a checkpoint and the plan it ran), before anything is exported, as a model
// to evaluate. A run keeps its errors, not its weights (they would take the model's size in
// memory), so each planned layer's LoftQ is computed again when the evaluation reads it, with the
// run's settings and seeds (loftq/layer_job.hpp), and rounded as the hf-peft export stores it:
// Q in the source dtype, A and B in the adapter dtype with PEFT's scaling. Memory stays at one layer.
// An output-aware run is reproduced from the same calibration statistics, damping and objective.
#include "loftq/model_source.hpp"
#include "loftq/plan.hpp"

#include <atomic>
#include <memory>
#include <optional>

namespace loftq {

class CalibrationStats;

// What runJob's RunOptions said about calibration (calibration, damping, weightObjective).
struct RunResultCalibration {
    std::shared_ptr<const CalibrationStats> stats; // null: the run had none (plain LoftQ)
    std::optional<double> damping;                 // empty: the statistics' default
    bool weightObjective = false;                  // the run kept plain LoftQ steps
};

// `cancel` is polled inside each layer's LoftQ (Error(Cancelled)). The source holds the checkpoint
// and the statistics. Statistics that do not fit the checkpoint throw Error(BadInput), as runJob does.
std::unique_ptr<ModelSource> openRunResultSource(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan,
                                                 ModelVariant variant, int threads,
                                                 const RunResultCalibration& calibration = {},
                                                 const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
