#pragma once
// LoftQ on one weight matrix (docs/algorithm.md): T alternating steps of quantize and truncated
// SVD of the residual, keeping the best step (never worse than step 1).
#include "loftq/dtype.hpp"
#include "loftq/matrix.hpp"
#include "loftq/quantizer.hpp"
#include "loftq/svd.hpp"

#include <atomic>
#include <functional>
#include <vector>

namespace loftq {

struct LoftqSettings {
    QuantizerSpec quantizer;
    int rank = 16;
    int steps = 5;
    SvdOptions svd;          // its threads are also used for quantizing and products
    DType exportDtype = DType::F32; // the QLoRA error is measured on Q rounded to this
};

struct LoftqStep {
    int step = 0;          // 1-based
    double relError = 0;   // ||W - Q_t - B_t A_t|| / ||W||
    double seconds = 0;    // wall time of this step
    int svdProducts = 0;   // products with the residual the randomized SVD took (0 when exact)
    int sketchColumns = 0; // columns of each of those products
};

struct LoftqResult {
    QuantizedBlocks quantized;  // codes and scales of the best step's Q
    MatrixRM Q;                 // dequantized Q of the best step, float32
    Eigen::MatrixXf B;          // out x r
    Eigen::MatrixXf A;          // r x in
    std::vector<LoftqStep> steps;
    double qloraRelError = 0;   // ||W - quant(W)|| / ||W||, quant(W) rounded to exportDtype
    double squaredNorm = 0;     // ||W||_F^2
    int bestStep = 1;
    Eigen::VectorXf residualTopSingularValues; // the r values the adapter captures, best step
};

// Called after each step; return value ignored. Runs on the computing thread.
using StepCallback = std::function<void(const LoftqStep&)>;

// W is out x in. Throws Error(Cancelled) if `cancel` becomes true between steps or chunks.
LoftqResult runLoftq(Eigen::Ref<const MatrixRM> W, const LoftqSettings& settings,
                     const StepCallback& onStep = {}, const std::atomic<bool>* cancel = nullptr);

double frobeniusNorm(Eigen::Ref<const MatrixRM> M);

} // namespace loftq
