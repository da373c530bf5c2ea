#include "io/page_release.hpp"

#include <cstdint>
#include <sys/mman.h>
#include <unistd.h>

namespace loftq {

void releaseMappedPages(std::span<const std::byte> bytes)
{
    static const std::uintptr_t page = std::uintptr_t(::sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<std::uintptr_t>(bytes.data()) + page - 1) / page * page;
    const auto end = (reinterpret_cast<std::uintptr_t>(bytes.data()) + bytes.size()) / page * page;
    if (end > begin) // pages shared with a neighbouring tensor stay; advice failures are harmless
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
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
