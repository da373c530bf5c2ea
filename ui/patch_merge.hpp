#pragma once
#include "loftq/plan.hpp"

namespace loftq::ui {

// Sets on `into` every field `from` sets; fields `from` leaves unset keep their value.
void mergePatch(LayerPatch& into, const LayerPatch& from);

} // namespace loftq::ui
