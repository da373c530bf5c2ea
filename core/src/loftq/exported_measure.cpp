// The runner's whole-matrix passes (exported_measure.hpp), over fixed row chunks in parallel so
// that results do not depend on the thread count.
#include "loftq/exported_measure.hpp"
#include "linalg/row_chunks.hpp"

#include <cmath>

namespace loftq {
namespace {

constexpr Eigen::Index kMeasureChunkRows = 64;

} // namespace

// x * 0 is 0 for a finite x and NaN for NaN or Inf, so a row's sum of x * 0 is 0 exactly when the
// row is finite. The sum vectorizes; Eigen's allFinite() walked this matrix element by element
// and took 15% of a whole-model run.
bool allFinite(const MatrixRM& m, int threads)
{
    const double sum = sumOverRowChunks(m.rows(), kMeasureChunkRows, threads, [&](Eigen::Index begin, Eigen::Index len) {
        double rows = 0;
        for (Eigen::Index r = begin; r < begin + len; ++r)
            rows += double((m.row(r).array() * 0.0f).sum());
        return rows;
    });
    return sum == 0;
}

ExportedMeasure measureExported(const MatrixRM& W, LoftqResult& r, DType qDtype, DType adapterDtype, double alpha,
                                int threads)
{
    ExportedMeasure m;
    const double rank = double(r.A.rows());
    // PEFT adds (alpha / r) * B A; storing sqrt(r / alpha) on each factor makes that B A exactly.
    const float factor = static_cast<float>(std::sqrt(rank / alpha));
    m.A = r.A * factor;
    m.B = r.B * factor;
    roundTripThrough(adapterDtype, m.A.data(), std::size_t(m.A.size()));
    roundTripThrough(adapterDtype, m.B.data(), std::size_t(m.B.size()));
    // Q's rounding, the product B A and the sum, one pass over fixed row chunks in parallel.
    const Eigen::MatrixXf scaledB = m.B * static_cast<float>(alpha / rank);
    const double err = sumOverRowChunks(W.rows(), kMeasureChunkRows, threads, [&](Eigen::Index begin, Eigen::Index len) {
        auto q = r.Q.middleRows(begin, len);
        roundTripThrough(qDtype, q.data(), std::size_t(q.size()));
        MatrixRM residual = W.middleRows(begin, len) - q;
        residual.noalias() -= scaledB.middleRows(begin, len) * m.A;
        return squaredNormByRows(residual);
    });
    m.relError = r.squaredNorm > 0 ? std::sqrt(err / r.squaredNorm) : 0.0;
    return m;
}

} // namespace loftq
