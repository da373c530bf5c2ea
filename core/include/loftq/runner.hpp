#pragma once
// The job runner: checkpoint + plan -> per-layer LoftQ -> export writers + report. Tensor by tensor
// (the next target is read while the current one computes), so memory holds a few tensors.
#include "loftq/checkpoint.hpp"
#include "loftq/export_writer.hpp"
#include "loftq/plan.hpp"
#include "loftq/progress.hpp"
#include "loftq/report.hpp"

#include <atomic>
#include <optional>
#include <string>
#include <vector>

namespace loftq {

class CalibrationStats;

struct RunOptions {
    std::string outputDir;             // empty: measure only, write nothing
    std::vector<ExportFormat> formats = {ExportFormat::HfPeft};
    bool force = false;                // allow a non-empty output folder (see core/src/io/output_folder.hpp)
    int threads = 1;
    bool keepSpectra = true;           // keep the adapter's singular values in the report
    // Calibration statistics (docs/calibration.md): the steps minimize the output error, and the
    // report gives output errors beside weight errors. weightObjective keeps plain LoftQ steps
    // but still measures the output errors (to compare the two objectives).
    const CalibrationStats* calibration = nullptr;
    std::string calibrationName; // how the report names them; empty: their path (not a temporary one)
    std::optional<double> damping;     // lambda / mean(diag H); empty: the statistics' default
    bool weightObjective = false;
};

// Runs the whole job. Throws Error (BadInput / Runtime / Cancelled); on any throw nothing is left
// at a final path in outputDir. `cancel` is polled between steps.
RunReport runJob(const Checkpoint& checkpoint, const Plan& plan, const RunOptions& options,
                 const ProgressSink& progress = {}, const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
