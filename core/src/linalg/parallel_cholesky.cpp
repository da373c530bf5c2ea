// Right-looking blocked Cholesky: factor a diagonal block, solve the panel below it, subtract the
// panel's outer product from the trailing matrix. Eigen's LLT does the same on one thread (the
// engine builds Eigen without its own threading, so results never depend on the thread count);
// here the panel solve and the update run over fixed chunks, so they may run in parallel.
#include "linalg/parallel_cholesky.hpp"
#include "linalg/row_chunks.hpp"

#include <Eigen/Cholesky>

namespace loftq {
namespace {

constexpr Eigen::Index kBlock = 256;

} // namespace

bool choleskyInPlace(Eigen::MatrixXd& A, int threads)
{
    const Eigen::Index n = A.rows();
    for (Eigen::Index k = 0; k < n; k += kBlock) {
        const Eigen::Index kb = std::min(kBlock, n - k), rest = n - k - kb;
        Eigen::Ref<Eigen::MatrixXd> block = A.block(k, k, kb, kb);
        Eigen::LLT<Eigen::Ref<Eigen::MatrixXd>> diagonal(block); // factored in place
        if (diagonal.info() != Eigen::Success)
            return false;
        if (rest == 0)
            break;
        const auto L11 = A.block(k, k, kb, kb).triangularView<Eigen::Lower>();
        // Panel: A21 L11^T = (old A21), one fixed chunk of rows at a time.
        forEachRowChunk(rest, kBlock, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
            auto rows = A.block(k + kb + begin, k, len, kb);
            L11.transpose().solveInPlace<Eigen::OnTheRight>(rows);
        });
        // Trailing update of the lower triangle, one fixed tile of columns at a time (a tile's
        // diagonal block is updated whole; its upper half is scratch).
        const auto A21 = A.block(k + kb, k, rest, kb);
        forEachRowChunk(rest, kBlock, threads, [&](Eigen::Index, Eigen::Index begin, Eigen::Index len) {
            A.block(k + kb + begin, k + kb + begin, rest - begin, len).noalias() -=
                A21.bottomRows(rest - begin) * A21.middleRows(begin, len).transpose();
        });
    }
    return true;
}

} // namespace loftq
