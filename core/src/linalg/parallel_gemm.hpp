#pragma once
// Matrix products split into fixed row chunks, each computed single-threaded by Eigen: every output
// element is summed in the same order whatever the thread count, so results are reproducible.
#include "loftq/matrix.hpp"

#include <Eigen/Core>

namespace loftq {

// Y = A * X, A row-major m x n, X n x k.
void multiply(Eigen::Ref<const MatrixRM> A, Eigen::Ref<const Eigen::MatrixXf> X, Eigen::MatrixXf& Y, int threads);
// Y += alpha * A * X, A row-major m x n, X n x k, Y m x k.
void multiplyAdd(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& X, float alpha, Eigen::MatrixXf& Y, int threads);
// Z = A^T * Y, A row-major m x n, Y m x k.
void multiplyTransposed(Eigen::Ref<const MatrixRM> A, const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z,
                        int threads);
// C = B * A (low-rank product), B m x r, A r x n.
void lowRankProduct(const Eigen::MatrixXf& B, const Eigen::MatrixXf& A, MatrixRM& C, int threads);

} // namespace loftq
