#pragma once
// Work over fixed chunks of rows, in parallel. The split never depends on the thread count and
// every sum is added in chunk order, so results are identical with any number of threads.
#include "loftq/matrix.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <vector>

namespace loftq {

// Calls work(chunkIndex, firstRow, rowCount) for consecutive chunks of [0, rows).
template <typename ChunkWork>
void forEachRowChunk(Eigen::Index rows, Eigen::Index chunkRows, int threads, ChunkWork&& work)
{
    const Eigen::Index chunks = (rows + chunkRows - 1) / chunkRows;
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (Eigen::Index c = 0; c < chunks; ++c)
        work(c, c * chunkRows, std::min(chunkRows, rows - c * chunkRows));
}

// The sum over chunks of sum(firstRow, rowCount) -> double, added in chunk order.
template <typename ChunkSum>
double sumOverRowChunks(Eigen::Index rows, Eigen::Index chunkRows, int threads, ChunkSum&& sum)
{
    std::vector<double> partial(static_cast<std::size_t>((rows + chunkRows - 1) / chunkRows));
    forEachRowChunk(rows, chunkRows, threads,
                    [&](Eigen::Index c, Eigen::Index begin, Eigen::Index len) { partial[c] = sum(begin, len); });
    double total = 0;
    for (double p : partial)
        total += p;
    return total;
}

// Sum of squares: each row in float, vectorized (a row's few thousand terms keep float's relative
// precision, far below the 1e-4 errors are compared at), rows added in double. Casting every
// element to double is 4x slower, and this runs over every element at every LoftQ step.
inline double squaredNormByRows(Eigen::Ref<const MatrixRM> M)
{
    double sum = 0;
    for (Eigen::Index r = 0; r < M.rows(); ++r)
        sum += double(M.row(r).squaredNorm());
    return sum;
}

} // namespace loftq
