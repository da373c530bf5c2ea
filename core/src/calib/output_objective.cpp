// The output objective's closed form and its error, computed through the Cholesky factor L of
// H + lambda I: tr(E H E^T) = ||E L||^2 - lambda ||E||^2, so no tokens x out activations are formed.
// The randomized SVD of M = R L runs on products (M X = R (L X), M^T Y = L^T (R^T Y)): M, out x in,
// is never formed; ||M||^2 takes one pass over R's row chunks. Products with L run over fixed row
// chunks (any thread count gives the same results).
#include "loftq/calib_objective.hpp"
#include "linalg/parallel_cholesky.hpp"
#include "linalg/parallel_gemm.hpp"
#include "linalg/row_chunks.hpp"

#include <cmath>

namespace loftq {
namespace {

// Rows of E per chunk, and columns of L per product. Panel j of E_c L is E_c[:, j:] L[j:, j:j+w]
// (L is lower triangular): a plain GEMM. Eigen's triangular product over 64-row chunks repacked
// all of L for every chunk and ran 1.5x slower (docs/calibration.md, "Cost").
constexpr Eigen::Index kRowChunk = 256;
constexpr Eigen::Index kPanel = 256;
constexpr Eigen::Index kSolveColumns = 8;
// A pivot of L below this share of sqrt(mean diag H) leaves L^{-1} amplifying rounding by more
// than 1e4: the factor is refused rather than trusted (only reachable with --damping near 0).
constexpr double kSmallestPivotShare = 1e-4;

// Calls work(firstColumn, panel) for each column panel of e L, in column order.
template <typename Rows, typename PanelWork>
void forEachPanelOfProduct(const Rows& e, const Eigen::MatrixXf& L, PanelWork&& work)
{
    const Eigen::Index n = L.cols();
    MatrixRM el(e.rows(), std::min(kPanel, n));
    for (Eigen::Index j = 0; j < n; j += kPanel) {
        const Eigen::Index w = std::min(kPanel, n - j);
        auto panel = el.leftCols(w);
        panel.noalias() = e.rightCols(n - j) * L.block(j, j, n - j, w);
        work(j, panel);
    }
}

// Sum over fixed row chunks of ||E_c L||^2 - lambda ||E_c||^2, E_c = residual(begin, len).
template <typename Residual>
double squaredOutputByChunks(const Eigen::MatrixXf& L, double lambda, Eigen::Index rows, int threads,
                             Residual&& residual)
{
    return sumOverRowChunks(rows, kRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
        const auto e = residual(begin, len); // a block of E, or a chunk computed from it
        double sum = lambda > 0 ? -lambda * squaredNormByRows(e) : 0.0;
        forEachPanelOfProduct(e, L, [&](Eigen::Index, const auto& panel) { sum += squaredNormByRows(panel); });
        return sum;
    });
}

} // namespace

std::shared_ptr<const OutputObjective> OutputObjective::create(const Eigen::MatrixXd& H, double damping,
                                                              std::string& problem, int threads)
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
    const double smallestPivot = choleskyInPlace(damped, threads) ? damped.diagonal().minCoeff() : 0.0;
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
        return E.middleRows(begin, len);
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

double OutputObjective::squaredOutputWithAdapter(Eigen::Ref<const MatrixRM> W, Eigen::Ref<const MatrixRM> Q,
                                                 const Eigen::MatrixXf& B, const Eigen::MatrixXf& A,
                                                 double squaredOutputOfE, const Eigen::MatrixXf& B2,
                                                 const Eigen::MatrixXf& A2, int threads) const
{
    // D = F G, F = [B2, -B], G = [A2; A]: tr(E' H E'^T) = tr(E H E^T) - 2 <F, E (H G^T)> + <F^T F, G H G^T>,
    // with H G^T = L (L^T G^T) - lambda G^T.
    const Eigen::Index r2 = B2.cols(), r = B.cols();
    Eigen::MatrixXf F(W.rows(), r2 + r), Gt(W.cols(), r2 + r);
    F << B2, -B;
    Gt << A2.transpose(), A.transpose();
    const Eigen::MatrixXf HGt = timesL(timesLTransposed(Gt, threads), threads) - float(lambda_) * Gt;
    const double cross = sumOverRowChunks(W.rows(), kRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
        MatrixRM e = W.middleRows(begin, len) - Q.middleRows(begin, len);
        if (r > 0)
            e.noalias() -= B.middleRows(begin, len) * A;
        const Eigen::MatrixXf eHGt = e * HGt;
        return (eHGt.cast<double>().array() * F.middleRows(begin, len).cast<double>().array()).sum();
    });
    const Eigen::MatrixXd GHGt = Gt.cast<double>().transpose() * HGt.cast<double>();
    const Eigen::MatrixXd FtF = F.cast<double>().transpose() * F.cast<double>();
    return std::max(0.0, squaredOutputOfE - 2 * cross + (FtF.array() * GHGt.array()).sum());
}

Eigen::MatrixXf OutputObjective::timesL(const Eigen::MatrixXf& X, int threads) const
{
    // Row block b of L X is L[b, :b_end] X[:b_end] (L is lower triangular).
    Eigen::MatrixXf Y(X.rows(), X.cols());
    forEachRowChunk(X.rows(), kRowChunk, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        Y.middleRows(begin, len).noalias() = L_.block(begin, 0, len, begin + len) * X.topRows(begin + len);
    });
    return Y;
}

Eigen::MatrixXf OutputObjective::timesLTransposed(const Eigen::MatrixXf& X, int threads) const
{
    // Row block b of L^T X is L[b:, b]^T X[b:].
    const Eigen::Index n = X.rows();
    Eigen::MatrixXf Y(n, X.cols());
    forEachRowChunk(n, kRowChunk, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        Y.middleRows(begin, len).noalias() = L_.block(begin, begin, n - begin, len).transpose() * X.bottomRows(n - begin);
    });
    return Y;
}

Eigen::MatrixXf OutputObjective::withoutL(const Eigen::MatrixXf& AL, int threads) const
{
    // A = (A L) L^{-1}: A^T solves L^T A^T = (A L)^T, by triangular solves over fixed groups of
    // columns (never an explicit inverse).
    Eigen::MatrixXf At = AL.transpose();
    forEachRowChunk(At.cols(), kSolveColumns, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        auto columns = At.middleCols(begin, len);
        L_.triangularView<Eigen::Lower>().transpose().solveInPlace(columns);
    });
    return At.transpose();
}

AdapterFit OutputObjective::fit(Eigen::Ref<const MatrixRM> R, double residualSquaredNorm, int rank,
                                const SvdOptions& options, const Eigen::MatrixXf* warmStart) const
{
    const int threads = std::max(1, options.threads);
    // The best rank-r approximation of M = R L is B (A L) with B A the best adapter for R: fit M,
    // then take L off A's side.
    AdapterFit fit;
    double squaredM = 0; // ||M||^2 = tr(R (H + lambda I) R^T)
    if (options.method == SvdMethod::Exact) {
        // The exact SVD needs M itself (small matrices, and the reference the tests compare with).
        MatrixRM M(R.rows(), R.cols());
        squaredM = sumOverRowChunks(R.rows(), kRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
            double sum = 0;
            forEachPanelOfProduct(R.middleRows(begin, len), L_, [&](Eigen::Index j, const auto& panel) {
                M.block(begin, j, len, panel.cols()) = panel;
                sum += squaredNormByRows(panel);
            });
            return sum;
        });
        fit = fitLowRank(M, squaredM, rank, options, warmStart);
    } else {
        squaredM = squaredOutputByChunks(L_, 0.0, R.rows(), threads,
                                         [&](Eigen::Index begin, Eigen::Index len) { return R.middleRows(begin, len); });
        const LinearOperator M{
            R.rows(), R.cols(),
            [&](const Eigen::MatrixXf& X, Eigen::MatrixXf& Y) { multiply(R, timesL(X, threads), Y, threads); },
            [&](const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z) {
                Eigen::MatrixXf RtY;
                multiplyTransposed(R, Y, RtY, threads);
                Z = timesLTransposed(RtY, threads);
            }};
        // ||M - B (A L)||^2 = ||(R - B A) L||^2, when the difference of sums would be mostly rounding.
        fit = fitLowRank(M, squaredM, rank, options, warmStart, [&](const AdapterFit& f) {
            const Eigen::MatrixXf A = withoutL(f.A, threads);
            return squaredOutputByChunks(L_, 0.0, R.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
                MatrixRM e = R.middleRows(begin, len);
                e.noalias() -= f.B.middleRows(begin, len) * A;
                return e;
            });
        });
    }
    const double dampedSquaredError = fit.weightSquaredError; // ||(R - B A) L||^2
    fit.A = withoutL(fit.A, threads);
    fit.weightSquaredError = squaredDifference(R, fit.B, fit.A, threads);
    fit.outputSquaredError = std::max(0.0, dampedSquaredError - lambda_ * fit.weightSquaredError);
    fit.residualOutputSquaredError = std::max(0.0, squaredM - lambda_ * residualSquaredNorm);
    return fit;
}

} // namespace loftq
