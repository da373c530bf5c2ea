#include "loftq/memory_reuse.hpp"

#include <malloc.h>

namespace loftq {

void keepFreedMemoryForReuse()
{
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
}

} // namespace loftq
