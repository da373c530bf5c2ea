#pragma once
// Command-line parsing for `loftq` (the contract in the README): options become a Plan plus
// run options. Bad usage throws Error(BadInput), which exits with status 2.
#include "loftq/plan.hpp"
#include "loftq/runner.hpp"

#include <string>
#include <vector>

namespace loftq::cli {

struct CliOptions {
    std::string command; // inspect | quantize | help | version
    std::string source;
    bool json = false;
    Plan plan;
    RunOptions run;
};

CliOptions parseCommandLine(const std::vector<std::string>& args);
std::string usageText();

} // namespace loftq::cli
