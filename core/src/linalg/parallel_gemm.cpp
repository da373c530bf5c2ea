#include "linalg/parallel_gemm.hpp"
#include "linalg/row_chunks.hpp"

namespace loftq {
namespace {

// Fixed chunk size: the work split (and so every sum's order) never depends on the thread count.
constexpr Eigen::Index kChunk = 256;

} // namespace

void multiply(Eigen::Ref<const MatrixRM> A, Eigen::Ref<const Eigen::MatrixXf> X, Eigen::MatrixXf& Y, int threads)
{
    Y.resize(A.rows(), X.cols());
    forEachRowChunk(A.rows(), kChunk, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        Y.middleRows(begin, len).noalias() = A.middleRows(begin, len) * X;
    });
}

void multiplyAdd(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& X, float alpha, Eigen::MatrixXf& Y, int threads)
{
    forEachRowChunk(A.rows(), kChunk, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        Y.middleRows(begin, len).noalias() += alpha * (A.middleRows(begin, len) * X);
    });
}

void multiplyTransposed(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z, int threads)
{
    Z.resize(A.cols(), Y.cols());
    forEachRowChunk(A.cols(), kChunk, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        Z.middleRows(begin, len).noalias() = A.middleCols(begin, len).transpose() * Y;
    });
}

void lowRankProduct(const Eigen::MatrixXf& B, const Eigen::MatrixXf& A, MatrixRM& C, int threads)
{
    C.resize(B.rows(), A.cols());
    forEachRowChunk(B.rows(), kChunk, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
        C.middleRows(begin, len).noalias() = B.middleRows(begin, len) * A;
    });
}

} // namespace loftq
