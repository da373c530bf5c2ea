#include "io/page_release.hpp"

#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

namespace loftq {

namespace {
const std::uintptr_t kPage = std::uintptr_t(::sysconf(_SC_PAGESIZE));
} // namespace

void releaseMappedPages(std::span<const std::byte> bytes)
{
    const auto begin = (reinterpret_cast<std::uintptr_t>(bytes.data()) + kPage - 1) / kPage * kPage;
    const auto end = (reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size()) / kPage * kPage;
    if (end > begin) // pages shared with a neighbouring tensor stay; advice failures are harmless
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void populateMappedPages(std::span<const std::byte> bytes)
{
#ifdef MADV_POPULATE_READ
    const auto begin = reinterpret_cast<std::uintptr_t>(bytes.data()) / kPage * kPage;
    const auto end = reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size();
    if (end > begin) // advice only: a failure leaves the pages to be faulted in as they are read
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ);
#else
    (void)bytes;
#endif
}

void adviseHugePages(void* data, std::size_t bytes)
{
    constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
    const auto begin = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) / huge * huge;
    const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) / huge * huge;
    if (end > begin)
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

} // namespace loftq
