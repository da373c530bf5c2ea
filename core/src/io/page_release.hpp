#pragma once
// Advice to the kernel about pages. Dropping memory-mapped pages once a tensor has been consumed:
// file-backed pages a process has touched count towards its resident memory; streaming a 13 GB
// checkpoint through a mapping would otherwise show 13 GB resident although only a few tensors
// are in use at a time. Huge pages for fresh matrices: see adviseHugePages.
#include <cstddef>
#include <span>

namespace loftq {

// Tells the kernel the pages fully inside `bytes` (a read-only file mapping) are not needed now;
// a later read faults them in again from the page cache, so this never changes what is read.
void releaseMappedPages(std::span<const std::byte> bytes);

// Asks for transparent huge pages (2 MiB) behind the whole 2 MiB ranges of fresh, not yet touched
// memory. Filling a 2048 x 2048 float matrix takes 4096 page faults of 4 KiB, and in a virtual
// machine each fault is costly: with huge pages, reading one such weight took a quarter of the
// time under load (BENCHMARKS.md, issue 14). Ignored where the kernel does not offer them.
void adviseHugePages(void* data, std::size_t bytes);

// Maps every page of `bytes` (a read-only file mapping about to be read whole) in one call instead
// of one fault per 64 KiB as the reading goes. Ignored where the kernel lacks MADV_POPULATE_READ.
void populateMappedPages(std::span<const std::byte> bytes);

} // namespace loftq
