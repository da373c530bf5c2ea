#pragma once
// The calibration a run uses (docs/calibration.md): the statistics, checked against the checkpoint,
// held by the run for as long as it needs them (a collected file is removed with its last holder),
// the damping and the objective. Plain values, copied to the run's thread.
#include "loftq/budget.hpp"
#include "loftq/calib_stats.hpp"
#include "loftq/run_result_source.hpp"
#include "loftq/runner.hpp"

#include <memory>
#include <optional>
#include <string>

namespace loftq::ui {

struct RunCalibration {
    std::shared_ptr<const CalibrationStats> stats; // null: plain LoftQ, no output errors
    std::string name;                              // how the report names them
    std::optional<double> damping;                 // empty: the statistics' default
    bool weightObjective = false;                  // plain LoftQ steps, output errors still measured

    // Points `options` at the statistics: they must outlive the run (the run holds a copy of this).
    void applyTo(RunOptions& options) const
    {
        options.calibration = stats.get();
        options.calibrationName = stats ? name : std::string();
        options.damping = stats ? damping : std::nullopt;
        options.weightObjective = stats && weightObjective;
    }
    // The budget control measures on output error with them, as `loftq plan --calib` (whatever the
    // objective: planning has none to choose). `options` points at the statistics.
    void applyTo(BudgetOptions& options) const
    {
        options.calibration = stats.get();
        options.damping = stats ? damping : std::nullopt;
    }
    // What "Evaluate run" needs to compute the run's layers again as it computed them.
    RunResultCalibration forRunResult() const { return {stats, stats ? damping : std::nullopt, stats && weightObjective}; }
};

} // namespace loftq::ui
