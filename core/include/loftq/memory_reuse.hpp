#pragma once
// Process-wide allocator setting for programs that run the engine (the CLI, the workbench, tests and
// benchmarks call it first thing in main or at start-up).

namespace loftq {

// Keep freed memory for reuse rather than handing it back to the kernel. Every LoftQ step and every
// block of an evaluation allocates and frees buffers of the same sizes (sketches, codes, row-chunk
// temporaries, activations); in a VM each first touch of a page returned to the kernel is a costly
// fault. Blocks over 32 MiB are still mapped and returned one by one (the most glibc allows).
// Also one arena for all threads, and the heap laid out at start and advised for huge pages, so
// first touches fault 2 MiB at a time. One 2048 x 2048 matrix end to end: 2.19x the engine's time
// to 1.44x; pico-llama's evaluation test: 1.65x faster (BENCHMARKS.md).
void keepFreedMemoryForReuse();

} // namespace loftq
