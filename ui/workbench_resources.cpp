#include "workbench_resources.hpp"

#include <QtGlobal>
#include <mutex>

// Q_INIT_RESOURCE must be used outside any namespace.
static void registerWorkbenchQrc() { Q_INIT_RESOURCE(workbench); }

namespace loftq::ui {

void initWorkbenchResources()
{
    static std::once_flag once;
    std::call_once(once, registerWorkbenchQrc);
}

} // namespace loftq::ui
