#pragma once
// The code of the table entry nearest to v by scanning the whole table (the lower index on a tie):
// what the references' argmin computes, against which the engine's midpoint search is checked.
#include <cmath>
#include <vector>

namespace loftq::test {

inline int bruteForceCode(const std::vector<float>& table, float v)
{
    int best = 0;
    for (int i = 1; i < int(table.size()); ++i)
        if (std::fabs(v - table[i]) < std::fabs(v - table[best]))
            best = i;
    return best;
}

} // namespace loftq::test
