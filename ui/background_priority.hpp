#pragma once

namespace loftq::ui {

// Lowers the calling thread's scheduling priority (Linux: nice +10), and so that of the threads it
// starts afterwards (OpenMP teams, read-ahead), so the GUI thread wins the CPU whenever it wakes:
// on a machine whose cores the computation fills, the event loop would otherwise wait its turn.
// Without effect where the platform has no per-thread priority.
void lowerCurrentThreadPriority();

} // namespace loftq::ui
