#pragma once
// Internal: the files every export folder holds beside its format's own (docs/formats.md): the report,
// the plan that was run, and the manifest `--force` consults. One place for their exact text, so
// `loftq unpack` writes the same bytes as the run did.
#include "loftq/plan.hpp"
#include "loftq/report.hpp"

#include <string>
#include <vector>

namespace loftq::detail {

inline constexpr const char* kReportFile = "loftq_report.json";
inline constexpr const char* kPlanFile = "loftq_plan.json";

std::string reportFileText(const RunReport& report, const Plan& plan);
std::string planFileText(const Plan& plan);
// The manifest listing `files` (relative paths) as written by engine `engineVersion`.
std::string manifestText(const std::vector<std::string>& files, const std::string& engineVersion = LOFTQ_VERSION);

} // namespace loftq::detail
