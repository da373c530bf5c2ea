#include "loftq/spectrum.hpp"
#include "loftq/errors.hpp"
#include "loftq/layer_job.hpp"
#include "loftq/svd.hpp"

namespace loftq {
namespace {

std::vector<float> toVector(const Eigen::VectorXf& v) { return {v.data(), v.data() + v.size()}; }

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load())
        throw Error(ErrorKind::Cancelled, "cancelled");
}

} // namespace

double ResidualSpectrum::capturedEnergy() const
{
    double total = 0, captured = 0;
    for (std::size_t i = 0; i < residual.size(); ++i) {
        const double e = double(residual[i]) * residual[i];
        total += e;
        if (i < std::size_t(rank))
            captured += e;
    }
    return total > 0 ? captured / total : 0.0;
}

ResidualSpectrum residualSpectrum(const Checkpoint& checkpoint, const Plan& plan, const LayerDescriptor& layer,
                                  int threads, const std::atomic<bool>* cancel, ScaleArithmetic nfArithmetic)
{
    const PlannedLayer planned{layer, plan.resolve(layer)};
    const auto* tensor = checkpoint.find(layer.tensorName);
    const std::string file = tensor ? checkpoint.shards()[tensor->shard]->path() : checkpoint.path();
    if (!planned.plan.quantize)
        throwBadInput(file, "tensor '" + layer.tensorName + "' is kept unquantized by the plan; it has no residual");
    const auto settings = loftqSettingsFor(plan, planned, threads, nfArithmetic);
    if (const auto problem = checkQuantizable(settings.quantizer, layer.elements()); !problem.empty())
        throwBadInput(file, "tensor '" + layer.tensorName + "' " + problem);

    const MatrixRM W = readLayerWeight(checkpoint, layer);
    const auto result = runLoftq(W, settings, {}, cancel);
    ResidualSpectrum out;
    out.tensorName = layer.tensorName;
    out.plan = planned.plan;
    out.rank = int(result.A.rows());
    out.bestStep = result.bestStep;
    checkCancel(cancel);
    out.residual = toVector(singularValues(W - result.Q));
    checkCancel(cancel);
    out.weight = toVector(singularValues(W));
    return out;
}

} // namespace loftq
