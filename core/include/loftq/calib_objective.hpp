#pragma once
// The output objective (docs/calibration.md): for a target whose inputs X (tokens x in) have the
// second moment H = X^T X, the error the model feels is tr(E H E^T) with E = W - Q - B A. For a
// fixed Q its best rank-r adapter has a closed form: with H + lambda I = L L^T (Cholesky) and the
// rank-r SVD U S V^T of (W - Q) L, B = U sqrt(S) and A = sqrt(S) V^T L^{-1}. LoftQ's alternating
// loop takes it in place of the plain SVD step (LoftqSettings::output).
#include "loftq/loftq_matrix.hpp"

#include <Eigen/Core>
#include <memory>
#include <string>

namespace loftq {

// lambda = damping * mean(diag H). H from a few thousand tokens is singular or nearly so (a
// 4096-wide input seen 2048 times has rank <= 2048); the damping makes H + lambda I positive
// definite and keeps A = ... L^{-1} bounded in the directions the tokens never visited. 0.01 was
// measured best or within noise of best on pico-llama (docs/calibration.md, "Damping").
inline constexpr double kDefaultDamping = 0.01;

class OutputObjective {
public:
    // H is in x in, symmetric (only its lower triangle is read). Returns null and says why in
    // `problem` when H has non-finite values, is zero, or H + lambda I has no usable Cholesky
    // factor; the caller then falls back to the weight objective for that layer. The factorization
    // runs on `threads` (the factor does not depend on it).
    static std::shared_ptr<const OutputObjective> create(const Eigen::MatrixXd& H, double damping,
                                                         std::string& problem, int threads = 1);

    Eigen::Index inFeatures() const { return L_.rows(); }
    double lambda() const { return lambda_; }

    // tr(E H E^T) for an out x in matrix E, without forming X E^T: ||E L||^2 - lambda ||E||^2,
    // summed over fixed row chunks (any thread count gives the same).
    double squaredOutput(Eigen::Ref<const MatrixRM> E, int threads) const;
    // tr(E H E^T) for E = W - Q - B A (B empty: no adapter), one row chunk of E at a time.
    double squaredOutputOf(Eigen::Ref<const MatrixRM> W, Eigen::Ref<const MatrixRM> Q, const Eigen::MatrixXf& B,
                           const Eigen::MatrixXf& A, int threads) const;

    // tr(E' H E'^T) for E' = W - Q - B2 A2, given tr(E H E^T) = squaredOutputOfE for E = W - Q - B A:
    // E' = E - D with D = B2 A2 - B A of rank <= 2r, so only products of E and L with 2r vectors
    // are needed (out x in x 3r multiply-adds instead of a pass of out x in^2 / 2). For the exported
    // adapter (rounded, PEFT-scaled) against the one the loop measured.
    double squaredOutputWithAdapter(Eigen::Ref<const MatrixRM> W, Eigen::Ref<const MatrixRM> Q, const Eigen::MatrixXf& B,
                                    const Eigen::MatrixXf& A, double squaredOutputOfE, const Eigen::MatrixXf& B2,
                                    const Eigen::MatrixXf& A2, int threads) const;

    // The closed-form adapter of rank r for the residual R (||R||^2 given). Its right singular
    // vectors (of R L) seed the next step's sketch. Fills every field of AdapterFit.
    AdapterFit fit(Eigen::Ref<const MatrixRM> R, double residualSquaredNorm, int rank, const SvdOptions& options,
                   const Eigen::MatrixXf* warmStart) const;

private:
    OutputObjective() = default;
    Eigen::MatrixXf timesL(const Eigen::MatrixXf& X, int threads) const;           // L X
    Eigen::MatrixXf timesLTransposed(const Eigen::MatrixXf& X, int threads) const; // L^T X
    Eigen::MatrixXf withoutL(const Eigen::MatrixXf& AL, int threads) const;        // (A L) L^{-1}

    Eigen::MatrixXf L_;  // lower Cholesky factor of H + lambda I, in x in (upper part zero)
    double lambda_ = 0;
};

} // namespace loftq
