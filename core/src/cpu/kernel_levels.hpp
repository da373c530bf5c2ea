#pragma once
// What the generated dispatch table (cmake/LoftqDispatchTable.cmake) gives cpu_level.cpp: one
// table of entry-point addresses per compiled level, lowest first, in the order of the
// trampolines' slots (docs/cpu-dispatch.md).
#include <cstddef>

namespace loftq::cpu::detail {

using KernelFunction = void (*)();

struct KernelLevels {
    const KernelFunction* const* tables; // tables[level][slot]
    std::size_t levels;
    std::size_t slots;
};

extern const KernelLevels kKernelLevels;
extern "C" KernelFunction loftq_cpu_slots[];

// Picks the level (CPU support, LOFTQ_CPU_LEVEL) and fills the slots; exits with a message when the
// environment asks for a level this CPU lacks.
void selectAtStartup();

} // namespace loftq::cpu::detail
