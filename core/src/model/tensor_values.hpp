#pragma once
// Internal: stored tensor bytes -> float32 matrices for the forward pass.
#include "loftq/checkpoint.hpp"

#include <span>
#include <string>
#include <vector>

namespace loftq::model {

// The whole tensor, rows = its first dimension (1 for a 1-D tensor). Throws Error(BadInput)
// naming `label` for a dtype that is not floating.
MatrixRM tensorValues(const TensorInfo& t, std::span<const std::byte> bytes, const std::string& label);
// Selected rows of a 2-D tensor, in the order given; rows out of range are refused.
MatrixRM tensorRows(const TensorInfo& t, std::span<const std::byte> bytes, const std::vector<std::int64_t>& rows,
                    const std::string& label);

} // namespace loftq::model
