#pragma once
// How the workbench's background jobs (evaluation, calibration) never throw: the engine's errors
// become the outcome's `error`, a cancellation its `cancelled`, whatever the job had filled in dropped.
#include "loftq/errors.hpp"

#include <new>
#include <stdexcept>
#include <string>

namespace loftq::ui {

// `work` returns an Outcome (with `std::string error` and `bool cancelled`); `outOfMemory` is what
// to tell the user when it runs out of memory.
template <typename Outcome, typename Work>
Outcome outcomeOf(Work&& work, const char* outOfMemory)
{
    Outcome failed;
    try {
        return work();
    } catch (const Error& e) {
        failed.cancelled = e.kind() == ErrorKind::Cancelled;
        if (!failed.cancelled)
            failed.error = e.what();
    } catch (const std::bad_alloc&) {
        failed.error = outOfMemory;
    } catch (const std::exception& e) {
        failed.error = e.what();
    }
    return failed;
}

} // namespace loftq::ui
