#pragma once
// The residual spectrum of one layer: how much of what quantization lost a rank-r adapter can
// hold. Reruns LoftQ for that layer alone (same seed as the run), then takes every singular value
// of W - Q and of W.
#include "loftq/checkpoint.hpp"
#include "loftq/plan.hpp"
#include "loftq/targets.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace loftq {

struct ResidualSpectrum {
    std::string tensorName;
    LayerPlan plan;
    int rank = 0;                 // adapter rank used (<= min(out, in))
    int bestStep = 0;             // the step whose Q the residual belongs to
    std::vector<float> residual;  // singular values of W - Q, descending
    std::vector<float> weight;    // singular values of W, descending
    // Share of ||W - Q||_F^2 held by the top `rank` singular values: what the adapter captures.
    double capturedEnergy() const;
};

// Throws Error(BadInput) when the plan keeps the layer or cannot quantize it, Error(Cancelled)
// when `cancel` becomes true (polled between LoftQ steps and before each full SVD). nf codes are
// found with `nfArithmetic`, as a run exporting the formats of nfArithmeticFor finds them.
ResidualSpectrum residualSpectrum(const Checkpoint& checkpoint, const Plan& plan, const LayerDescriptor& layer,
                                  int threads = 1, const std::atomic<bool>* cancel = nullptr,
                                  ScaleArithmetic nfArithmetic = ScaleArithmetic::Divide);

} // namespace loftq
