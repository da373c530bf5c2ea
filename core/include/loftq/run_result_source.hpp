#pragma once
// The result of a run (a checkpoint and the plan it ran), before anything is exported, as a model
// to evaluate. A run keeps its errors, not its weights (they would take the model's size in
// memory), so each planned layer's LoftQ is computed again when the evaluation reads it, with the
// run's settings and seeds (loftq/layer_job.hpp), and rounded as the hf-peft export stores it:
// Q in the source dtype, A and B in the adapter dtype with PEFT's scaling. Memory stays at one layer.
#include "loftq/model_source.hpp"
#include "loftq/plan.hpp"

#include <atomic>
#include <memory>

namespace loftq {

// `cancel` is polled inside each layer's LoftQ (Error(Cancelled)). The checkpoint must outlive the source.
std::unique_ptr<ModelSource> openRunResultSource(std::shared_ptr<const Checkpoint> checkpoint, const Plan& plan,
                                                 ModelVariant variant, int threads,
                                                 const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
