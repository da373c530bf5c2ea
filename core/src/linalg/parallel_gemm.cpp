#include "loftq/parallel_gemm.hpp"

#include <algorithm>

namespace loftq {
namespace {

// Fixed chunk size: the work split (and so every sum's order) never depends on the thread count.
constexpr Eigen::Index kChunk = 256;

Eigen::Index chunkCount(Eigen::Index n) { return (n + kChunk - 1) / kChunk; }

} // namespace

void multiply(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& X, Eigen::MatrixXf& Y, int threads)
{
    Y.resize(A.rows(), X.cols());
    const Eigen::Index chunks = chunkCount(A.rows());
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (Eigen::Index c = 0; c < chunks; ++c) {
        const Eigen::Index begin = c * kChunk, len = std::min(kChunk, A.rows() - begin);
        Y.middleRows(begin, len).noalias() = A.middleRows(begin, len) * X;
    }
}

void multiplyTransposed(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z, int threads)
{
    Z.resize(A.cols(), Y.cols());
    const Eigen::Index chunks = chunkCount(A.cols());
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (Eigen::Index c = 0; c < chunks; ++c) {
        const Eigen::Index begin = c * kChunk, len = std::min(kChunk, A.cols() - begin);
        Z.middleRows(begin, len).noalias() = A.middleCols(begin, len).transpose() * Y;
    }
}

void lowRankProduct(const Eigen::MatrixXf& B, const Eigen::MatrixXf& A, MatrixRM& C, int threads)
{
    C.resize(B.rows(), A.cols());
    const Eigen::Index chunks = chunkCount(B.rows());
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (Eigen::Index c = 0; c < chunks; ++c) {
        const Eigen::Index begin = c * kChunk, len = std::min(kChunk, B.rows() - begin);
        C.middleRows(begin, len).noalias() = B.middleRows(begin, len) * A;
    }
}

} // namespace loftq
