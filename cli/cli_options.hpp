#pragma once
// Command-line parsing for `loftq` (the contract in the README): options become a Plan plus
// run options. Bad usage throws Error(BadInput), which exits with status 2.
#include "loftq/budget.hpp"
#include "loftq/plan.hpp"
#include "loftq/runner.hpp"

#include <string>
#include <vector>

namespace loftq::cli {

struct CliOptions {
    std::string command; // inspect | quantize | plan | unpack | help | version
    std::string source;  // a checkpoint; for unpack, the packed file
    bool json = false;
    Plan plan;
    RunOptions run;      // quantize; outputDir and force also serve unpack
    // plan: the budget, how layers are measured, where the plan goes, presets to compare with.
    Budget budget;
    BudgetOptions budgetOptions;
    std::string planOutput;
    std::vector<std::string> comparePresets;
    std::string evalText; // quantize --eval-text: evaluate the export on this text
};

CliOptions parseCommandLine(const std::vector<std::string>& args);
std::string usageText();

} // namespace loftq::cli
