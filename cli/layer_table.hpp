#pragma once
// The per-layer table `loftq quantize` prints at the end (with the planner's expectation beside the
// measured errors when the plan carries one), and `loftq inspect`'s tensor list.
#include "loftq/checkpoint.hpp"
#include "loftq/report.hpp"

#include <cstdio>
#include <string>

namespace loftq::cli {

// "12.3 MiB"
std::string humanBytes(double bytes);
void printLayerTable(const RunReport& report, const Plan& plan, std::FILE* out);
void printInspection(const Checkpoint& checkpoint, const std::vector<LayerDescriptor>& targets, bool json,
                     std::FILE* out);

} // namespace loftq::cli
