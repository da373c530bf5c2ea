// Linked into every test: the engine runs with the allocator setting of the CLI and the workbench,
// so tests exercise (and take the time of) the configuration users run.
#include "loftq/memory_reuse.hpp"

namespace {
[[maybe_unused]] const bool memoryKeptForReuse = (loftq::keepFreedMemoryForReuse(), true);
} // namespace
