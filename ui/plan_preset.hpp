#pragma once
// A preset applied the way the workbench applies it: it replaces every bits choice (defaults, rules
// and per-layer edits alike); ranks, steps and quantizers set by hand stay.
#include "loftq/plan.hpp"

#include <string>

namespace loftq::ui {

// Throws Error(BadInput) for an unknown preset.
Plan withPreset(Plan plan, const std::string& preset);

} // namespace loftq::ui
