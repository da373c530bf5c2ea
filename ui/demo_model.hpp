#pragma once
// Where the bundled demo checkpoint (pico-llama-2L) is: beside the build tree, in the source
// tree, or installed by the .deb.
#include <QString>

namespace loftq::ui {

// The demo model's folder, or an empty string when none of the known places has it.
QString findDemoModel();

} // namespace loftq::ui
