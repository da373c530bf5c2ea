#include "loftq/parallel_gemm.hpp"

#include <algorithm>

namespace loftq {
namespace {

// Fixed chunk size: the work split (and so every sum's order) never depends on the thread count.
constexpr Eigen::Index kChunk = 256;

// Calls work(begin, length) for consecutive chunks of [0, n), in parallel.
template <typename ChunkWork>
void forEachChunk(Eigen::Index n, int threads, ChunkWork&& work)
{
    const Eigen::Index chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (Eigen::Index c = 0; c < chunks; ++c)
        work(c * kChunk, std::min(kChunk, n - c * kChunk));
}

} // namespace

void multiply(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& X, Eigen::MatrixXf& Y, int threads)
{
    Y.resize(A.rows(), X.cols());
    forEachChunk(A.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        Y.middleRows(begin, len).noalias() = A.middleRows(begin, len) * X;
    });
}

void multiplyTransposed(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z, int threads)
{
    Z.resize(A.cols(), Y.cols());
    forEachChunk(A.cols(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        Z.middleRows(begin, len).noalias() = A.middleCols(begin, len).transpose() * Y;
    });
}

void lowRankProduct(const Eigen::MatrixXf& B, const Eigen::MatrixXf& A, MatrixRM& C, int threads)
{
    C.resize(B.rows(), A.cols());
    forEachChunk(B.rows(), threads, [&](Eigen::Index begin, Eigen::Index len) {
        C.middleRows(begin, len).noalias() = B.middleRows(begin, len) * A;
    });
}

} // namespace loftq
