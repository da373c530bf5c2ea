#pragma once
// The calibration a run uses (docs/calibration.md): the statistics, checked against the checkpoint,
// held by the run for as long as it needs them (a collected file is removed with its last holder),
// the damping and the objective. Plain values, copied to the run's thread.
#include "loftq/calib_stats.hpp"
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
};

} // namespace loftq::ui
