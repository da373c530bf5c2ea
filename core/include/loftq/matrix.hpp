#pragma once
// The engine's matrix type: float32, row-major, as safetensors stores a 2-D weight.
#include <Eigen/Core>

namespace loftq {

using MatrixRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

} // namespace loftq
