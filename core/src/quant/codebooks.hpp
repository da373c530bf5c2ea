#pragma once
// Internal: codebook construction (public access goes through quantizer.hpp's codebook()).
#include <vector>

namespace loftq::detail {

double normalQuantile(double p);
std::vector<float> normalFloatTable(int bits);
std::vector<float> uniformTable(int bits);

} // namespace loftq::detail
