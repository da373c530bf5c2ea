#pragma once

namespace loftq::ui {

// Registers the icons compiled into this static library (a static library's resources are not
// registered on their own). Safe to call more than once.
void initWorkbenchResources();

} // namespace loftq::ui
