#pragma once
// What `loftq plan` prints: each layer's chosen setting with its size and expected error, the
// totals, and the same figures for presets it was asked to compare with.
#include "loftq/budget.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace loftq::cli {

struct PresetComparison {
    std::string preset;
    std::optional<BudgetSummary> summary; // empty when the preset uses a setting that was not measured
};

void printBudgetResult(const BudgetResult& result, const Budget& budget, const std::vector<PresetComparison>& compared,
                       bool json, std::FILE* out);

} // namespace loftq::cli
