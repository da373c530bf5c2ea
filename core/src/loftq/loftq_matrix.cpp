// LoftQ alternating steps on one matrix (docs/algorithm.md).
// Each step is one fused pass over fixed row chunks: X = W - B A (a GEMM with the previous step's
// factors), quantize X in place to Q, then X = W - Q, with the sums of squares the errors need.
// Chunks are multiples of 64 rows, so quantizer blocks never straddle two chunks, and every sum is
// taken in chunk order: results are identical at any thread count. Two m x n float buffers (W and
// X) plus the codes; the B A product is never stored.
#include "loftq/loftq_matrix.hpp"
#include "loftq/calib_objective.hpp"
#include "loftq/errors.hpp"
#include "linalg/parallel_gemm.hpp"
#include "io/page_release.hpp"
#include "linalg/row_chunks.hpp"

#include <chrono>
#include <cmath>
#include <numeric>

namespace loftq {
namespace {

constexpr Eigen::Index kPassRowChunk = 64;
constexpr int kLargeMatrixPowerIterations = 1;
// Below this share of ||R||^2 left after the adapter, ||R||^2 - ||S||^2 is mostly rounding.
constexpr double kCancellationShare = 1e-3;
constexpr Eigen::Index kLargeMatrixElements = Eigen::Index(1) << 22;

struct StepSums {
    double residual = 0;  // ||W - Q_t||^2
    double exported = 0;  // ||W - round(Q_t)||^2, Q rounded to the export dtype (step 1 only)
};

// X = W - B A (or W when B is empty), quantized to Q_t, then X = W - Q_t. Codes land in `codes`.
StepSums quantizeResidualPass(Eigen::Ref<const MatrixRM> W, const Eigen::MatrixXf& B, const Eigen::MatrixXf& A,
                              const QuantizerSpec& spec, DType exportDtype, bool measureExported, MatrixRM& X,
                              QuantizedBlocks& codes, int threads)
{
    const Eigen::Index rows = W.rows(), cols = W.cols();
    // Chunk starts must fall on block starts: a multiple of blockSize / gcd(cols, blockSize) rows.
    const Eigen::Index step = spec.blockSize / std::gcd<Eigen::Index>(cols, spec.blockSize);
    const Eigen::Index chunkRows = step * ((kPassRowChunk + step - 1) / step);
    codes.codes.resize(std::size_t(W.size()));
    codes.scales.resize(std::size_t(W.size() / spec.blockSize));
    std::vector<StepSums> partial(static_cast<std::size_t>((rows + chunkRows - 1) / chunkRows));
    forEachRowChunk(rows, chunkRows, threads, [&](Eigen::Index c, Eigen::Index begin, Eigen::Index len) {
        auto x = X.middleRows(begin, len);
        const auto w = W.middleRows(begin, len);
        x = w;
        if (B.size() > 0)
            x.noalias() -= B.middleRows(begin, len) * A;
        const std::size_t offset = std::size_t(begin * cols);
        quantizeBlocks(spec, {x.data(), std::size_t(x.size())}, codes.codes.data() + offset,
                       codes.scales.data() + offset / spec.blockSize, x.data());
        if (measureExported) {
            MatrixRM q = x;
            roundTripThrough(exportDtype, q.data(), std::size_t(q.size()));
            q = w - q;
            partial[c].exported = squaredNormByRows(q);
        }
        x = w - x;
        partial[c].residual = squaredNormByRows(x);
    });
    StepSums sums;
    for (const auto& p : partial) {
        sums.residual += p.residual;
        sums.exported += p.exported;
    }
    return sums;
}

double squaredNormByChunks(Eigen::Ref<const MatrixRM> M, int threads)
{
    return sumOverRowChunks(M.rows(), kPassRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
        return squaredNormByRows(M.middleRows(begin, len));
    });
}

void checkCancel(const std::atomic<bool>* cancel)
{
    if (cancel && cancel->load(std::memory_order_relaxed))
        throw Error(ErrorKind::Cancelled, "cancelled");
}

} // namespace

double squaredDifference(Eigen::Ref<const MatrixRM> X, const Eigen::MatrixXf& B, const Eigen::MatrixXf& A, int threads)
{
    return sumOverRowChunks(X.rows(), kPassRowChunk, threads, [&](Eigen::Index begin, Eigen::Index len) {
        MatrixRM d = X.middleRows(begin, len);
        d.noalias() -= B.middleRows(begin, len) * A;
        return squaredNormByRows(d);
    });
}

namespace {

// B = U sqrt(S), A = sqrt(S) V^T and what they leave of M.
AdapterFit adapterFromSvd(const TruncatedSvd& svd, double squaredNorm,
                          const std::function<double(const AdapterFit&)>& measureDirectly)
{
    const Eigen::VectorXf root = svd.S.cwiseSqrt();
    AdapterFit fit;
    fit.B = svd.U * root.asDiagonal();
    fit.A = root.asDiagonal() * svd.V.transpose();
    fit.V = svd.V;
    fit.S = svd.S;
    fit.products = svd.products;
    fit.sketchColumns = svd.sketchColumns;
    // U and V are orthonormal and U^T M V = S, so ||M - U S V^T||^2 = ||M||^2 - ||S||^2 without
    // forming B A (the exported error is measured on the full product by the runner).
    double left = squaredNorm - svd.S.cast<double>().squaredNorm();
    // When the adapter captures nearly all of M (rank close to min(out, in)) the difference of
    // two float-accurate sums is mostly rounding: measure M - B A directly instead.
    if (left < kCancellationShare * squaredNorm)
        left = measureDirectly(fit);
    fit.weightSquaredError = std::max(0.0, left);
    return fit;
}

} // namespace

AdapterFit fitLowRank(Eigen::Ref<const MatrixRM> M, double squaredNorm, int rank, const SvdOptions& options,
                      const Eigen::MatrixXf* warmStart)
{
    return adapterFromSvd(truncatedSvd(M, rank, options, {warmStart, squaredNorm}), squaredNorm,
                          [&](const AdapterFit& fit) {
                              return squaredDifference(M, fit.B, fit.A, std::max(1, options.threads));
                          });
}

AdapterFit fitLowRank(const LinearOperator& M, double squaredNorm, int rank, const SvdOptions& options,
                      const Eigen::MatrixXf* warmStart, const std::function<double(const AdapterFit&)>& measureDirectly)
{
    return adapterFromSvd(randomizedTruncatedSvd(M, squaredNorm, rank, options, warmStart), squaredNorm,
                          measureDirectly);
}

double frobeniusNorm(Eigen::Ref<const MatrixRM> M) { return std::sqrt(squaredNormByChunks(M, 1)); }

LoftqResult runLoftq(Eigen::Ref<const MatrixRM> W, const LoftqSettings& s, const StepCallback& onStep,
                     const std::atomic<bool>* cancel)
{
    using Clock = std::chrono::steady_clock;
    const int threads = std::max(1, s.svd.threads);
    const int rank = std::min<int>(s.rank, static_cast<int>(std::min(W.rows(), W.cols())));
    const double normW2 = squaredNormByChunks(W, threads);
    const double invNorm = normW2 > 0 ? 1.0 / std::sqrt(normW2) : 0.0;

    LoftqResult result;
    result.squaredNorm = normW2;
    if (s.output)
        result.outputSquaredNorm = s.output->squaredOutput(W, threads);
    // Relative output error of a squared one, when the objective is the output.
    auto outputRel = [&](const std::optional<double>& squared) -> std::optional<double> {
        if (!squared || !result.outputSquaredNorm)
            return std::nullopt;
        return *result.outputSquaredNorm > 0 ? std::sqrt(*squared / *result.outputSquaredNorm) : 0.0;
    };
    MatrixRM X(W.rows(), W.cols());
    adviseHugePages(X.data(), std::size_t(X.size()) * sizeof(float));
    QuantizedBlocks current;
    AdapterFit fit;
    double best = INFINITY;
    for (int t = 1; t <= s.steps; ++t) {
        checkCancel(cancel);
        const auto started = Clock::now();
        const auto sums = quantizeResidualPass(W, fit.B, fit.A, s.quantizer, s.exportDtype, t == 1, X, current, threads);
        if (t == 1)
            result.qloraRelError = std::sqrt(sums.exported) * invNorm;
        checkCancel(cancel);
        SvdOptions svdOptions = s.svd;
        svdOptions.seed = s.svd.seed + std::uint64_t(t); // a fresh sketch each step, fixed by the seed
        // On large matrices the steps share one subspace iteration: each step's range finder starts
        // from the previous step's singular vectors and takes one power iteration (as PowerSGD does
        // across optimizer steps): 20 products for 5 steps instead of 34, with the same spread of
        // errors around exact SVD's (docs/engine.md). Small matrices, whose error is more
        // sensitive to the path (see truncated_svd.cpp) and cheap to iterate, converge every step.
        if (s.steps > 1 && W.size() >= kLargeMatrixElements)
            svdOptions.maxPowerIterations = std::min(svdOptions.maxPowerIterations, kLargeMatrixPowerIterations);
        const Eigen::MatrixXf* warm = t > 1 ? &fit.V : nullptr;
        AdapterFit next = s.output ? s.output->fit(X, sums.residual, rank, svdOptions, warm)
                                   : fitLowRank(X, sums.residual, rank, svdOptions, warm);
        fit = std::move(next);
        const double err = std::sqrt(fit.weightSquaredError) * invNorm;
        if (t == 1)
            result.qloraOutputRelError = outputRel(fit.residualOutputSquaredError);
        LoftqStep step{t, err, std::chrono::duration<double>(Clock::now() - started).count(), fit.products,
                       fit.sketchColumns, outputRel(fit.outputSquaredError)};
        result.steps.push_back(step);
        // The step is ranked by what the objective minimizes. Strictly better only: ties keep the
        // earlier step, so the result is never worse than step 1.
        const double score = step.outputRelError.value_or(err);
        if (score < best) {
            best = score;
            result.bestStep = t;
            std::swap(result.quantized, current);
            result.B = fit.B;
            result.A = fit.A;
            result.residualTopSingularValues = fit.S;
        }
        if (onStep)
            onStep(step);
    }
    // The last residual is no longer needed: Q takes its memory instead of fresh pages.
    result.Q = std::move(X);
    dequantizeBlockwise(s.quantizer, result.quantized, {result.Q.data(), std::size_t(result.Q.size())}, threads);
    return result;
}

} // namespace loftq
