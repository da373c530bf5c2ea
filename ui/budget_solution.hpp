#pragma once
// One solve of the budget control on curves measured earlier: the allocation for a budget, the
// per-layer edits it stands for, and the paper's mixed precision within the same budget for
// comparison. No measuring, so it takes milliseconds on small models; BudgetSolver still runs it
// off the GUI thread because the DP grows with the model (layers x options x up to 2^18 columns).
#include "loftq/budget.hpp"

#include <QString>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace loftq::ui {

struct BudgetRequest {
    std::shared_ptr<const Checkpoint> checkpoint;
    Plan plan; // the base plan the curves were measured with
    std::shared_ptr<const std::vector<LayerCurve>> curves;
    Budget budget;
    std::vector<int> bits;  // the settings allowed now: measured ones only
    std::vector<int> ranks; // empty: each layer's planned rank
    ExpectedObjective objective;     // what the curves' errors are
    std::optional<int> measureSteps; // the steps they were measured with (BudgetOptions::measureSteps)
};

// The paper's "4 bits for the first K blocks, 2 after" (preset mixed:K).
struct PresetComparison {
    int blocks = 0; // K
    BudgetSummary summary;
};

struct BudgetSolution {
    std::uint64_t capacity = 0; // bytes the budget leaves for the measured layers
    BudgetSummary summary;
    // The curves held relative output errors (measured with calibration statistics): the summary's
    // and the preset's errors are output errors, not weight errors.
    bool outputError = false;
    std::map<std::string, LayerPatch> patches; // tensor name -> its bits (and rank, when ranks are chosen)
    PlanExpectation expectation;               // what the planner expects of them, for the plan
    // The largest K whose mixed:K fits the same capacity, when its settings were all measured.
    std::optional<PresetComparison> paperPreset;
    QString error; // set when the budget cannot be met; the rest is then empty
};

BudgetSolution solveBudget(const BudgetRequest& request);

} // namespace loftq::ui
