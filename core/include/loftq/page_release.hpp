#pragma once
// Dropping memory-mapped pages once a tensor has been consumed. File-backed pages a process has
// touched count towards its resident memory; streaming a 13 GB checkpoint through a mapping would
// otherwise show 13 GB resident although only a few tensors are in use at a time.
#include <cstddef>
#include <span>

namespace loftq {

// Tells the kernel the pages fully inside `bytes` (a read-only file mapping) are not needed now;
// a later read faults them in again from the page cache, so this never changes what is read.
void releaseMappedPages(std::span<const std::byte> bytes);

} // namespace loftq
