#pragma once
// LoftQ on one weight matrix (docs/algorithm.md): T alternating steps of quantize and truncated
// SVD of the residual, keeping the best step (never worse than step 1).
#include "loftq/dtype.hpp"
#include "loftq/matrix.hpp"
#include "loftq/quantizer.hpp"
#include "loftq/svd.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <vector>

namespace loftq {

class OutputObjective;

struct LoftqSettings {
    QuantizerSpec quantizer;
    int rank = 16;
    int steps = 5;
    SvdOptions svd;          // its threads are also used for quantizing and products
    DType exportDtype = DType::F32; // the QLoRA error is measured on Q rounded to this
    // Set: each step's adapter is the closed form minimizing the output error on the objective's
    // calibration statistics, and the best step is the one with the least output error
    // (docs/calibration.md). Null: plain LoftQ, the truncated SVD of the residual.
    const OutputObjective* output = nullptr;
};

struct LoftqStep {
    int step = 0;          // 1-based
    double relError = 0;   // ||W - Q_t - B_t A_t|| / ||W||
    double seconds = 0;    // wall time of this step
    int svdProducts = 0;   // products with the residual the randomized SVD took (0 when exact)
    int sketchColumns = 0; // columns of each of those products
    std::optional<double> outputRelError; // sqrt(tr(E H E^T) / tr(W H W^T)), output objective only
};

struct LoftqResult {
    QuantizedBlocks quantized;  // codes and scales of the best step's Q
    MatrixRM Q;                 // dequantized Q of the best step, float32
    Eigen::MatrixXf B;          // out x r
    Eigen::MatrixXf A;          // r x in
    std::vector<LoftqStep> steps;
    double qloraRelError = 0;   // ||W - quant(W)|| / ||W||, quant(W) rounded to exportDtype
    double squaredNorm = 0;     // ||W||_F^2
    // Output objective only: the output error of Q_1 alone (float32) and tr(W H W^T).
    std::optional<double> qloraOutputRelError;
    std::optional<double> outputSquaredNorm;
    int bestStep = 1;
    Eigen::VectorXf residualTopSingularValues; // the r values the adapter captures, best step
};

// One step's adapter B A for the residual R = W - Q_t, and what it leaves.
struct AdapterFit {
    Eigen::MatrixXf B;          // out x r
    Eigen::MatrixXf A;          // r x in
    Eigen::MatrixXf V;          // right singular vectors of what was factored: the next step's warm start
    Eigen::VectorXf S;          // the singular values the adapter holds
    double weightSquaredError = 0;            // ||R - B A||_F^2
    std::optional<double> outputSquaredError; // tr(E H E^T), E = R - B A (output objective)
    std::optional<double> residualOutputSquaredError; // tr(R H R^T): Q_t without adapter
    int products = 0;
    int sketchColumns = 0;
};

// The rank-r truncated SVD of M as factors B = U sqrt(S), A = sqrt(S) V^T, with
// weightSquaredError = ||M - B A||^2 (M's squared norm is given). LoftQ's step on M = R.
AdapterFit fitLowRank(Eigen::Ref<const MatrixRM> M, double squaredNorm, int rank, const SvdOptions& options,
                      const Eigen::MatrixXf* warmStart);
// The same for an M known only by its products (randomized SVD). `measureDirectly(fit)` returns
// ||M - fit.B fit.A||^2, asked for only when ||M||^2 - ||S||^2 would be mostly rounding.
AdapterFit fitLowRank(const LinearOperator& M, double squaredNorm, int rank, const SvdOptions& options,
                      const Eigen::MatrixXf* warmStart, const std::function<double(const AdapterFit&)>& measureDirectly);

// ||X - B A||_F^2 over fixed row chunks (any thread count gives the same sum).
double squaredDifference(Eigen::Ref<const MatrixRM> X, const Eigen::MatrixXf& B, const Eigen::MatrixXf& A,
                         int threads);

// Called after each step; return value ignored. Runs on the computing thread.
using StepCallback = std::function<void(const LoftqStep&)>;

// W is out x in. Throws Error(Cancelled) if `cancel` becomes true between steps or chunks.
LoftqResult runLoftq(Eigen::Ref<const MatrixRM> W, const LoftqSettings& settings,
                     const StepCallback& onStep = {}, const std::atomic<bool>* cancel = nullptr);

double frobeniusNorm(Eigen::Ref<const MatrixRM> M);

} // namespace loftq
