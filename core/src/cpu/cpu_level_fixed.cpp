// The kernels' level in a single-level build (LOFTQ_NATIVE, or dispatch turned off): whatever the
// compile flags name (LOFTQ_CPU_FIXED_LEVEL, e.g. "native"). docs/cpu-dispatch.md.
#include "loftq/cpu_level.hpp"
#include "loftq/errors.hpp"

namespace loftq::cpu {

std::string_view activeLevel() { return LOFTQ_CPU_FIXED_LEVEL; }

std::string levelReport()
{
    return std::string("cpu: ") + LOFTQ_CPU_FIXED_LEVEL + ", fixed at build time (no runtime dispatch)";
}

std::vector<std::string_view> runnableLevels() { return {activeLevel()}; }

void useLevel(std::string_view name)
{
    if (name != activeLevel())
        throw Error(ErrorKind::BadInput, "CPU level '" + std::string(name) + "': this build has one level, " +
                                             std::string(activeLevel()));
}

} // namespace loftq::cpu
