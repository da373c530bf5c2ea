#pragma once
// Command-line parsing for `loftq` (the contract in the README): options become a Plan plus
// run options. Bad usage throws Error(BadInput), which exits with status 2.
#include "loftq/budget.hpp"
#include "loftq/eval.hpp"
#include "loftq/plan.hpp"
#include "loftq/runner.hpp"

#include <optional>
#include <string>
#include <vector>

namespace loftq::cli {

struct CliOptions {
    std::string command; // inspect | quantize | plan | unpack | tokenize | eval | calibrate | help | version
    std::string source;  // a checkpoint; for unpack, the packed file
    bool json = false;
    Plan plan;
    RunOptions run;      // quantize; outputDir and force also serve unpack
    // plan: the budget, how layers are measured, where the plan goes, presets to compare with.
    Budget budget;
    BudgetOptions budgetOptions;
    std::string planOutput;
    std::vector<std::string> comparePresets;
    // tokenize, eval and calibrate: the text, or (eval, calibrate) the token ids, to read.
    std::string textFile, tokenFile;
    bool addSpecialTokens = true; // tokenize --no-special: transformers' add_special_tokens=False
    // eval: the original to compare with, which variant of an export, the windows.
    std::string original;
    ModelVariant variant = ModelVariant::Full;
    EvalOptions eval;    // eval's windows and threads; calibrate's too
    std::string statsOutput; // calibrate: the statistics file to write
    // quantize and plan: calibration statistics (docs/calibration.md), opened by the command;
    // its damping and objective go into run / budgetOptions then.
    std::string calibration;
    std::string calibrationText; // quantize --calib-text: collect statistics on this text first
    std::optional<double> damping;
    bool weightObjective = false;
    std::string evalText; // quantize --eval-text: evaluate the export on this text
};

CliOptions parseCommandLine(const std::vector<std::string>& args);
std::string usageText();

} // namespace loftq::cli
