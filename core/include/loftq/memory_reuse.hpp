#pragma once
// Process-wide allocator setting for programs that run the engine (the CLI, the workbench, tests and
// benchmarks call it first thing in main or at start-up).

#include <cstddef>
#include <future>

namespace loftq {

// Keep freed memory for reuse rather than handing it back to the kernel. Every LoftQ step and every
// block of an evaluation allocates and frees buffers of the same sizes (sketches, codes, row-chunk
// temporaries, activations); in a VM each first touch of a page returned to the kernel is a costly
// fault. Blocks over 32 MiB are still mapped and returned one by one (the most glibc allows).
// Also one arena for all threads, and the heap laid out at start and advised for huge pages, so
// first touches fault 2 MiB at a time. One 2048 x 2048 matrix end to end: 2.19x the engine's time
// to 1.44x; pico-llama's evaluation test: 1.65x faster (BENCHMARKS.md).
void keepFreedMemoryForReuse();

// Faults in the first `bytes` of the heap laid out by keepFreedMemoryForReuse on a thread of its
// own. A fresh process's first large blocks land there; the kernel zeroes each new page on its
// first touch, which in a VM made the first LoftQ steps of a one-matrix run 10-20 ms slower. Started
// while the run reads its first weights (one core busy), the zeroing happens on the idle one. An
// empty future where nothing was laid out (sanitizers, no keepFreedMemoryForReuse call).
std::future<void> prefaultHeap(std::size_t bytes);

} // namespace loftq
