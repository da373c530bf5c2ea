#pragma once
// How LoftQ is set up for one planned layer (seed, settings, the weight as LoftQ sees it), in one
// place, so that rerunning a single layer (the workbench's spectrum view) reproduces the run.
#include "loftq/loftq_matrix.hpp"
#include "loftq/plan.hpp"

#include <cstdint>
#include <string>

namespace loftq {

// Seeds depend on the tensor's name, not its position, so a layer's result does not change
// when other layers are added to or removed from the plan.
std::uint64_t layerSeed(std::uint64_t planSeed, const std::string& tensorName);

// The settings runJob gives runLoftq for a quantized layer. `nfArithmetic` is how nf codes are
// found, as the run's export formats require (nfArithmeticFor in export_format.hpp).
LoftqSettings loftqSettingsFor(const Plan& plan, const PlannedLayer& layer, int threads,
                               ScaleArithmetic nfArithmetic = ScaleArithmetic::Divide);

// W as LoftQ sees it: out x in (GPT-2 Conv1D weights are stored transposed).
MatrixRM readLayerWeight(const Checkpoint& checkpoint, const LayerDescriptor& layer);

} // namespace loftq
