// The output objective's closed form and its error, computed through the Cholesky factor L of
// H + lambda I: tr(E H E^T) = ||E L||^2 - lambda ||E||^2, so no tokens x out activations are formed.
// Products with L run over fixed row chunks (any thread count gives the same results).
#include "loftq/calib_objective.hpp"
#include "linalg/row_chunks.hpp"

#include <Eigen/Cholesky>
#include <cmath>

namespace loftq {
namespace {

constexpr Eigen::Index kRowChunk = 64;
constexpr Eigen::Index kSolveColumns = 8;
// A pivot of L below this share of sqrt(mean diag H) leaves L^{-1} amplifying rounding by more
// than 1e4: the factor is refused rather than trusted (only reachable with --damping near 0).
constexpr double kSmallestPivotShare = 1e-4;

// Sum over fixed row chunks of ||E_c L||^2 - lambda ||E_c||^2, E_c = residual(begin, len).
template <typename Residual>
double squaredOutputByChunks(const Eigen::MatrixXf& L, double lambda, Eigen::Index rows, int threads,
                             Residual&& residual)
{
    return sumOverRowChunks(rows, kRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
        const MatrixRM e = residual(begin, len);
        MatrixRM el(len, L.cols());
        el.noalias() = e * L.triangularView<Eigen::Lower>();
        return squaredNormByRows(el) - lambda * squaredNormByRows(e);
    });
}

} // namespace

std::shared_ptr<const OutputObjective> OutputObjective::create(const Eigen::MatrixXd& H, double damping,
                                                              std::string& problem)
{
    problem.clear();
    if (H.rows() != H.cols() || H.rows() == 0) {
        problem = "H is not a square matrix";
        return nullptr;
    }
    if (!H.allFinite()) {
        problem = "H has non-finite values";
        return nullptr;
    }
    const double meanDiagonal = H.diagonal().mean();
    if (!(meanDiagonal > 0)) {
        problem = "H is zero (the input was zero on every calibration token)";
        return nullptr;
    }
    auto objective = std::shared_ptr<OutputObjective>(new OutputObjective());
    objective->lambda_ = damping * meanDiagonal;
    // Double precision: float's backward error (about n eps ||H||) can exceed lambda itself on
    // inputs with a few very large activation channels, and the factorization would fail.
    Eigen::MatrixXd damped = H;
    damped.diagonal().array() += objective->lambda_;
    Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> llt(damped);
    const double smallestPivot = llt.info() == Eigen::Success ? damped.diagonal().minCoeff() : 0.0;
    if (!(smallestPivot > kSmallestPivotShare * std::sqrt(meanDiagonal))) {
        problem = "H + lambda I has no usable Cholesky factor (H is singular; raise --damping)";
        return nullptr;
    }
    objective->L_ = damped.triangularView<Eigen::Lower>().toDenseMatrix().cast<float>();
    return objective;
}

double OutputObjective::squaredOutput(Eigen::Ref<const MatrixRM> E, int threads) const
{
    return std::max(0.0, squaredOutputByChunks(L_, lambda_, E.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        return MatrixRM(E.middleRows(begin, len));
    }));
}

double OutputObjective::squaredOutputOf(Eigen::Ref<const MatrixRM> W, Eigen::Ref<const MatrixRM> Q,
                                        const Eigen::MatrixXf& B, const Eigen::MatrixXf& A, int threads) const
{
    return std::max(0.0, squaredOutputByChunks(L_, lambda_, W.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        MatrixRM e = W.middleRows(begin, len) - Q.middleRows(begin, len);
        if (B.size() > 0)
            e.noalias() -= B.middleRows(begin, len) * A;
        return e;
    }));
}

AdapterFit OutputObjective::fit(Eigen::Ref<const MatrixRM> R, double residualSquaredNorm, int rank,
                                const SvdOptions& options, const Eigen::MatrixXf* warmStart) const
{
    const int threads = std::max(1, options.threads);
    // M = R L and ||M||^2 = tr(R (H + lambda I) R^T), in one pass.
    MatrixRM M(R.rows(), R.cols());
    const double squaredM = sumOverRowChunks(R.rows(), kRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
        auto m = M.middleRows(begin, len);
        m.noalias() = R.middleRows(begin, len) * L_.triangularView<Eigen::Lower>();
        return squaredNormByRows(m);
    });
    // The best rank-r approximation of M is B (A L) with B A the best adapter for R: fit M, then
    // take L off A's side. A = sqrt(S) V^T L^{-1}, i.e. A^T solves L^T A^T = V sqrt(S), by
    // triangular solves over fixed groups of columns (never an explicit inverse).
    AdapterFit fit = fitLowRank(M, squaredM, rank, options, warmStart);
    const double dampedSquaredError = fit.weightSquaredError; // ||(R - B A) L||^2
    Eigen::MatrixXf At = fit.A.transpose();
    forEachRowChunk(At.cols(), kSolveColumns, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        auto columns = At.middleCols(begin, len);
        L_.triangularView<Eigen::Lower>().transpose().solveInPlace(columns);
    });
    fit.A = At.transpose();
    fit.weightSquaredError = squaredDifference(R, fit.B, fit.A, threads);
    fit.outputSquaredError = std::max(0.0, dampedSquaredError - lambda_ * fit.weightSquaredError);
    fit.residualOutputSquaredError = std::max(0.0, squaredM - lambda_ * residualSquaredNorm);
    return fit;
}

} // namespace loftq
