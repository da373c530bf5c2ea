// The per-layer LoftQ setup shared by the runner and one-layer reruns (see layer_job.hpp).
#include "loftq/layer_job.hpp"
#include "loftq/errors.hpp"

namespace loftq {

std::uint64_t layerSeed(std::uint64_t planSeed, const std::string& tensorName)
{
    std::uint64_t h = 1469598103934665603ull ^ planSeed; // FNV-1a, offset basis mixed with the seed
    for (unsigned char c : tensorName)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

LoftqSettings loftqSettingsFor(const Plan& plan, const PlannedLayer& layer, int threads, ScaleArithmetic nfArithmetic)
{
    LoftqSettings settings;
    settings.quantizer = {layer.plan.method, layer.plan.bits, layer.plan.blockSize,
                          layer.plan.method == QuantMethod::NormalFloat ? nfArithmetic : ScaleArithmetic::Divide};
    settings.rank = layer.plan.rank;
    settings.steps = layer.plan.steps;
    settings.svd.method = plan.svd;
    settings.svd.seed = layerSeed(plan.seed, layer.layer.tensorName);
    settings.svd.threads = std::max(1, threads);
    settings.exportDtype = layer.layer.dtype;
    return settings;
}

MatrixRM readLayerWeight(const Checkpoint& checkpoint, const LayerDescriptor& layer)
{
    const auto* tensor = checkpoint.find(layer.tensorName);
    if (!tensor)
        throwBadInput(checkpoint.path(), "has no tensor '" + layer.tensorName + "'");
    MatrixRM m = checkpoint.readMatrix(*tensor);
    if (layer.conv1d)
        return m.transpose();
    return m;
}

} // namespace loftq
