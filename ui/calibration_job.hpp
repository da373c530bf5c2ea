#pragma once
// The statistics a run fits its adapters to, prepared in plain values: collected from a text on the
// open checkpoint (collectCalibration into a file the workbench owns, removed when its last holder
// lets go of it), or read from a statistics file; either way checked against the checkpoint, so
// another model's statistics are refused before any run. prepareCalibration does the engine's work
// on whatever thread calls it and touches nothing of the GUI; the controller runs it in the background.
#include "loftq/calib_stats.hpp"
#include "loftq/checkpoint.hpp"
#include "loftq/eval.hpp"

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace loftq::ui {

struct CalibrationRequest {
    std::shared_ptr<const Checkpoint> checkpoint; // the open checkpoint: the original
    std::string textFile;      // collect from this text, through the model's tokenizer...
    std::string statsFile;     // ...or read this statistics file
    EvalOptions windows;       // collection: context, maxTokens, threads
    std::string collectedFile; // collection: where the statistics go (must not exist yet), in a
                               // folder of this process's own (named by its id) under the work folder
};

struct CalibrationOutcome {
    std::shared_ptr<const CalibrationStats> stats; // checked against the checkpoint; null on failure
    bool collected = false;    // from a text (the file is removed with the last holder of `stats`)
    double seconds = 0;        // the collection's
    std::string error;         // why it failed; empty when it did not
    bool cancelled = false;
};

// fraction of the collection done (0..1) and what runs now ("block 3").
using CalibrationProgress = std::function<void(double fraction, const std::string& what)>;

// Never throws: failures and cancellation come back in the outcome. A cancelled or failed
// collection leaves no file behind.
CalibrationOutcome prepareCalibration(const CalibrationRequest& request, const CalibrationProgress& progress,
                                      const std::atomic<bool>* cancel);

} // namespace loftq::ui
