#include "loftq/memory_reuse.hpp"
#include "io/page_release.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <future>
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

// Sanitizers bring allocators of their own: glibc's settings mean nothing to them, and the
// reservation below would cost each process start a quarantined, poisoned 288 MiB.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOFTQ_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LOFTQ_SANITIZER_ALLOCATOR 1
#endif
#endif

namespace loftq {
#ifndef LOFTQ_SANITIZER_ALLOCATOR
namespace {

constexpr std::size_t kMiB = std::size_t(1) << 20;
// Blocks up to this size come from the heap (32 MiB is the most glibc allows on 64-bit).
constexpr std::size_t kLargestHeapBlock = 32 * kMiB;
// The part of the heap that is laid out and advised for huge pages up front: a one-matrix run of
// 2048 x 2048 touches about 150 MiB of heap; untouched reserve costs address space only.
constexpr std::size_t kReservedHeapBlocks = 12;
constexpr std::size_t kReservedHeapBlock = 24 * kMiB;

// The laid-out part of the heap, where the first large blocks will land; empty when none.
std::byte* reservedBegin = nullptr;
std::size_t reservedBytes = 0;

// glibc grows its heap with brk and never asks for transparent huge pages (THP is "madvise" on
// Debian), so every fresh 4 KiB page is a fault, and in a VM a costly trap: a one-matrix quantize
// took 6600 faults. Grow the heap once now, advise it, and hand it back to malloc: later blocks
// land in it and fault 2 MiB at a time.
void reserveHugePageHeap()
{
    const auto brkBefore = reinterpret_cast<std::uintptr_t>(::sbrk(0));
    std::array<void*, kReservedHeapBlocks> blocks{};
    for (void*& block : blocks)
        block = std::malloc(kReservedHeapBlock);
    const auto brkAfter = reinterpret_cast<std::uintptr_t>(::sbrk(0));
    const auto first = reinterpret_cast<std::uintptr_t>(blocks.front());
    // The heap grew by brk and the first block lies in it (the old top chunk began below brkBefore).
    if (brkAfter > brkBefore && blocks.front() && first < brkBefore + kReservedHeapBlock && first < brkAfter) {
        adviseHugePages(blocks.front(), brkAfter - first);
        const std::uintptr_t pageSize = std::uintptr_t(::sysconf(_SC_PAGESIZE));
        const std::uintptr_t firstPage = (first + pageSize - 1) / pageSize * pageSize;
        reservedBegin = reinterpret_cast<std::byte*>(firstPage);
        reservedBytes = brkAfter - firstPage;
    }
    for (auto block = blocks.rbegin(); block != blocks.rend(); ++block)
        std::free(*block);
}

} // namespace

std::future<void> prefaultHeap(std::size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    bytes = std::min(bytes, reservedBytes);
    if (bytes > 0)
        // Faulting in writable pages leaves their contents alone, so malloc may hand them out
        // and the program write them while this runs.
        return std::async(std::launch::async, [bytes] { ::madvise(reservedBegin, bytes, MADV_POPULATE_WRITE); });
#endif
    (void)bytes;
    return {};
}

void keepFreedMemoryForReuse()
{
    // One arena: worker threads' temporaries come from the same advised heap, not from per-thread
    // arenas of 4 KiB pages.
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_MMAP_THRESHOLD, int(kLargestHeapBlock));
    mallopt(M_TRIM_THRESHOLD, int(kReservedHeapBlocks * kReservedHeapBlock + 64 * kMiB));
    mallopt(M_TOP_PAD, int(64 * kMiB));
    reserveHugePageHeap();
}
#else
void keepFreedMemoryForReuse() {}
std::future<void> prefaultHeap(std::size_t) { return {}; }
#endif

} // namespace loftq
