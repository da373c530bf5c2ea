#pragma once
// Which instruction-set level the engine's kernels run at (docs/cpu-dispatch.md). A dispatching
// build holds the kernels compiled for x86-64-v2, -v3 (AVX2, FMA) and -v4 (AVX-512) and takes the
// highest the CPU supports at startup; LOFTQ_CPU_LEVEL=v2|v3|v4 asks for a lower one. A build with
// LOFTQ_NATIVE (or without dispatch) has one level, fixed by its compile flags.
#include <string>
#include <string_view>
#include <vector>

namespace loftq::cpu {

// The level running now, e.g. "x86-64-v4", or "native" / "fixed" in a single-level build.
std::string_view activeLevel();
// One line for --version and the About box: the level, its instructions and how it was chosen.
std::string levelReport();
// The levels this build holds and this CPU runs, lowest first (one entry in a single-level build).
std::vector<std::string_view> runnableLevels();
// Switches the kernels to a level of runnableLevels() ("v3" or "x86-64-v3"), for tests that compare
// levels in one process; no engine call may be running. Throws Error(BadInput) for any other name.
void useLevel(std::string_view name);

} // namespace loftq::cpu
