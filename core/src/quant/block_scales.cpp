#include "block_scales.hpp"

#include <algorithm>
#include <cmath>

namespace loftq::detail {

// Sixteen independent maxima so the loop vectorizes: a single running maximum is a serial chain of
// dependent instructions, and max is exact, so the order (and so the vector width) does not
// change the result.
float absMaxScale(const float* x, int n)
{
    constexpr int kLanes = 16;
    float lanes[kLanes] = {};
    int i = 0;
    for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l)
            lanes[l] = std::max(lanes[l], std::fabs(x[i + l]));
    for (; i < n; ++i)
        lanes[0] = std::max(lanes[0], std::fabs(x[i]));
    return *std::max_element(lanes, lanes + kLanes);
}

} // namespace loftq::detail
