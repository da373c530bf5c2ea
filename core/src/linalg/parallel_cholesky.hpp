#pragma once
// Cholesky factorization in float64, blocked, with the trailing updates (nearly all the work) split
// over fixed tiles: the same factor at any thread count.
#include <Eigen/Core>

namespace loftq {

// Overwrites the lower triangle of the symmetric A (n x n; only the lower triangle is read) with
// L, A = L L^T. The upper triangle is left as scratch. False if A is not positive definite.
bool choleskyInPlace(Eigen::MatrixXd& A, int threads);

} // namespace loftq
