#include "background_priority.hpp"

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

namespace loftq::ui {

void lowerCurrentThreadPriority()
{
#ifdef __linux__
    constexpr int kBackgroundNice = 10;
    // On Linux, nice is per thread: PRIO_PROCESS with a thread id sets that thread alone.
    const int current = getpriority(PRIO_PROCESS, 0);
    if (current < kBackgroundNice)
        setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
#endif
}

} // namespace loftq::ui
