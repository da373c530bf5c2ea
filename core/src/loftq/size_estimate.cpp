#include "loftq/size_estimate.hpp"

#include <algorithm>

namespace loftq {

LayerSizeEstimate estimateLayerSize(const LayerDescriptor& layer, const LayerPlan& plan, DType adapterDtype)
{
    LayerSizeEstimate e;
    const std::uint64_t elements = layer.elements();
    e.sourceBytes = elements * dtypeSize(layer.dtype);
    if (!plan.quantize) {
        e.backboneBytes = e.sourceBytes;
        return e;
    }
    const std::uint64_t blocks = (elements + std::uint64_t(plan.blockSize) - 1) / std::uint64_t(plan.blockSize);
    e.backboneBytes = (elements * std::uint64_t(plan.bits) + 7) / 8 + blocks * sizeof(float);
    // The engine lowers the rank to min(out, in), so the estimate does too.
    const std::int64_t rank = std::min<std::int64_t>(plan.rank, std::min(layer.outFeatures, layer.inFeatures));
    e.adapterBytes = std::uint64_t(layer.outFeatures + layer.inFeatures) * std::uint64_t(rank) * dtypeSize(adapterDtype);
    return e;
}

ExportSizeEstimate estimateExportSize(const Checkpoint& checkpoint, const std::vector<PlannedLayer>& layers,
                                      DType adapterDtype)
{
    ExportSizeEstimate e;
    for (const auto& t : checkpoint.tensors())
        e.sourceBytes += t.info.byteSize();
    e.backboneBytes = e.sourceBytes;
    double bitSum = 0, elementSum = 0;
    for (const auto& p : layers) {
        const auto layer = estimateLayerSize(p.layer, p.plan, adapterDtype);
        e.backboneBytes = e.backboneBytes - layer.sourceBytes + layer.backboneBytes;
        e.adapterBytes += layer.adapterBytes;
        const double elements = double(p.layer.elements());
        bitSum += elements * (p.plan.quantize ? p.plan.bits : 8.0 * dtypeSize(p.layer.dtype));
        elementSum += elements;
    }
    e.averageTargetBits = elementSum > 0 ? bitSum / elementSum : 0.0;
    return e;
}

} // namespace loftq
