#pragma once
// Truncated SVD: the exact one (a full thin SVD, as the reference does) and a randomized one
// (Halko, Martinsson, Tropp 2011) that can start from a previous step's right singular vectors.
#include "loftq/matrix.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace loftq {

enum class SvdMethod { Exact, Fast };
std::optional<SvdMethod> parseSvdMethod(std::string_view name); // "exact" | "fast"
std::string_view svdMethodName(SvdMethod m);

struct SvdOptions {
    SvdMethod method = SvdMethod::Fast;
    int oversample = 24;         // p: extra random directions beyond the rank (see docs/engine.md)
    // Power (subspace) iterations stop once the truncation error is estimated to be within
    // `tolerance` (relative) of what more iterations would reach, between these bounds.
    int minPowerIterations = 0;
    int maxPowerIterations = 16;
    double tolerance = 1e-5;
    std::uint64_t seed = 0;
    int threads = 1;
};

struct TruncatedSvd {
    Eigen::MatrixXf U;      // m x r
    Eigen::VectorXf S;      // r, descending
    Eigen::MatrixXf V;      // n x r
    int products = 0;       // products with M or M^T the randomized path took (0 for exact)
    int sketchColumns = 0;  // columns of each such product: rank + oversampling (0 for exact)
};

// What a caller may already know about M, for the randomized path.
struct SvdHints {
    const Eigen::MatrixXf* warmStart = nullptr; // n x r: seeds the range finder (a previous step's V)
    std::optional<double> squaredNorm;          // ||M||_F^2, saves a pass over M
};

// Top-r triplets of M.
TruncatedSvd truncatedSvd(Eigen::Ref<const MatrixRM> M, int rank, const SvdOptions& options,
                          const SvdHints& hints = {});

// A rows x cols matrix M known only by its products, Y = M X and Z = M^T Y (each resizes its
// output). The randomized SVD needs nothing else, so a product such as R L is never formed.
struct LinearOperator {
    Eigen::Index rows = 0, cols = 0;
    std::function<void(const Eigen::MatrixXf& X, Eigen::MatrixXf& Y)> times;
    std::function<void(const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z)> transposedTimes;
};

// Top-r triplets of M by the randomized path (options.method is not consulted: an exact SVD needs
// M itself). ||M||_F^2 must be given: products give no cheap way to it.
TruncatedSvd randomizedTruncatedSvd(const LinearOperator& M, double squaredNorm, int rank, const SvdOptions& options,
                                    const Eigen::MatrixXf* warmStart = nullptr);

// All singular values of M, descending (for the residual-spectrum view).
Eigen::VectorXf singularValues(Eigen::Ref<const MatrixRM> M);

} // namespace loftq
