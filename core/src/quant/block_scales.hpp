#pragma once
// Internal: block scales whose loops are worth the CPU's widest vectors, in a source of their own
// that runs at the engine's kernel level (docs/cpu-dispatch.md).

namespace loftq::detail {

// Largest |x| of n values, NaN ignored as std::max does (the normal-float quantizers' absmax).
float absMaxScale(const float* x, int n);

} // namespace loftq::detail
