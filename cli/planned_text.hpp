#pragma once
// The line that puts the planner's expectation beside what the run measured, as `loftq quantize`,
// `quantize --eval-text` and `loftq eval EXPORT` print it (docs/budget.md, "Planned and measured").
#include "loftq/planned_vs_measured.hpp"

#include <string>

namespace loftq::cli {

// "planner expected total rel. output error 0.1830 (1-step measurement); run measured 0.1710
// (5 steps, exported tensors); 42 of 42 planned layers", or why nothing was compared.
std::string plannedVsMeasuredLine(const PlannedVsMeasured& comparison);

} // namespace loftq::cli
