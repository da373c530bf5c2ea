// LoftQ alternating steps on one matrix (docs/algorithm.md). Three m x n buffers: W, the working
// matrix X (input to quantize, then Q, then the residual W - Q) and the low-rank product B A.
#include "loftq/loftq_matrix.hpp"
#include "loftq/errors.hpp"
#include "loftq/parallel_gemm.hpp"

#include <chrono>
#include <cmath>

namespace loftq {
namespace {

constexpr Eigen::Index kRowChunk = 64;

// Sum over fixed row chunks in double, added in chunk order: the same value at any thread count.
template <typename RowChunkSquares>
double chunkedSum(Eigen::Index rows, int threads, RowChunkSquares&& squares)
{
    const Eigen::Index chunks = (rows + kRowChunk - 1) / kRowChunk;
    std::vector<double> partial(chunks, 0.0);
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (Eigen::Index c = 0; c < chunks; ++c) {
        const Eigen::Index begin = c * kRowChunk;
        partial[c] = squares(begin, std::min(kRowChunk, rows - begin));
    }
    double sum = 0;
    for (double p : partial)
        sum += p;
    return sum;
}

double squaredDistance(Eigen::Ref<const MatrixRM> A, Eigen::Ref<const MatrixRM> B, int threads)
{
    return chunkedSum(A.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        return (A.middleRows(begin, len) - B.middleRows(begin, len)).cast<double>().squaredNorm();
    });
}

double squaredNorm(Eigen::Ref<const MatrixRM> A, int threads)
{
    return chunkedSum(A.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        return A.middleRows(begin, len).cast<double>().squaredNorm();
    });
}

void subtract(Eigen::Ref<const MatrixRM> A, Eigen::Ref<const MatrixRM> B, Eigen::Ref<MatrixRM> out, int threads)
{
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (Eigen::Index r = 0; r < A.rows(); ++r)
        out.row(r) = A.row(r) - B.row(r);
}

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load(std::memory_order_relaxed))
        throw Error(ErrorKind::Cancelled, "cancelled");
}

} // namespace

double frobeniusNorm(Eigen::Ref<const MatrixRM> M) { return std::sqrt(M.cast<double>().squaredNorm()); }

LoftqResult runLoftq(Eigen::Ref<const MatrixRM> W, const LoftqSettings& s, const StepCallback& onStep,
                     const std::atomic<bool>* cancel)
{
    using Clock = std::chrono::steady_clock;
    const int threads = std::max(1, s.svd.threads);
    const int rank = std::min<int>(s.rank, static_cast<int>(std::min(W.rows(), W.cols())));
    const double normW = std::sqrt(squaredNorm(W, threads));
    const double invNorm = normW > 0 ? 1.0 / normW : 0.0;

    LoftqResult result;
    MatrixRM X(W.rows(), W.cols());
    MatrixRM BA;
    QuantizedBlocks current;
    Eigen::MatrixXf warm;
    double best = INFINITY;
    for (int t = 1; t <= s.steps; ++t) {
        checkCancel(cancel);
        const auto started = Clock::now();
        if (t == 1)
            X = W;
        else
            subtract(W, BA, X, threads);
        const std::span<float> xs(X.data(), std::size_t(X.size()));
        quantizeBlockwise(s.quantizer, xs, current, xs, threads); // X = Q_t
        if (t == 1) {
            MatrixRM exported = X;
            roundTripThrough(s.exportDtype, exported.data(), std::size_t(exported.size()));
            result.qloraRelError = std::sqrt(squaredDistance(W, exported, threads)) * invNorm;
        }
        subtract(W, X, X, threads); // X = W - Q_t
        checkCancel(cancel);
        SvdOptions svdOptions = s.svd;
        svdOptions.seed = s.svd.seed + std::uint64_t(t); // a fresh sketch each step, fixed by the seed
        const auto svd = truncatedSvd(X, rank, svdOptions, t > 1 ? &warm : nullptr);
        const Eigen::VectorXf root = svd.S.cwiseSqrt();
        Eigen::MatrixXf B = svd.U * root.asDiagonal();
        Eigen::MatrixXf A = root.asDiagonal() * svd.V.transpose();
        lowRankProduct(B, A, BA, threads);
        const double err = std::sqrt(squaredDistance(X, BA, threads)) * invNorm;
        warm = svd.V;
        LoftqStep step{t, err, std::chrono::duration<double>(Clock::now() - started).count()};
        result.steps.push_back(step);
        // Strictly better only: ties keep the earlier step, so the result is never worse than step 1.
        if (err < best) {
            best = err;
            result.bestStep = t;
            std::swap(result.quantized, current);
            result.B = std::move(B);
            result.A = std::move(A);
            result.residualTopSingularValues = svd.S;
        }
        if (onStep)
            onStep(step);
    }
    result.Q.resize(W.rows(), W.cols());
    dequantizeBlockwise(s.quantizer, result.quantized, {result.Q.data(), std::size_t(result.Q.size())}, threads);
    return result;
}

} // namespace loftq
