#pragma once
// What an export would weigh with the backbone stored at its planned bits: codes at `bits` per
// element plus one float32 scale per block, the adapter's A and B in the adapter dtype, and every
// other tensor (non-targets, kept targets) at its source size. The figure a packed low-bit format
// reaches; the HF + PEFT layout stores Q dequantized, at the source size.
#include "loftq/checkpoint.hpp"
#include "loftq/plan.hpp"

#include <cstdint>
#include <vector>

namespace loftq {

struct LayerSizeEstimate {
    std::uint64_t sourceBytes = 0;   // the tensor as stored in the checkpoint
    std::uint64_t backboneBytes = 0; // codes + scales, or the source size when kept
    std::uint64_t adapterBytes = 0;  // (out + in) * rank * adapter dtype size; 0 when kept
    std::uint64_t total() const { return backboneBytes + adapterBytes; }
};
LayerSizeEstimate estimateLayerSize(const LayerDescriptor& layer, const LayerPlan& plan, DType adapterDtype);

struct ExportSizeEstimate {
    std::uint64_t sourceBytes = 0;   // every tensor of the checkpoint as stored
    std::uint64_t backboneBytes = 0; // every tensor, targets at their planned bits
    std::uint64_t adapterBytes = 0;
    double averageTargetBits = 0;    // over target elements; kept targets count at source width
    std::uint64_t total() const { return backboneBytes + adapterBytes; }
};
ExportSizeEstimate estimateExportSize(const Checkpoint& checkpoint, const std::vector<PlannedLayer>& layers,
                                      DType adapterDtype);

} // namespace loftq
