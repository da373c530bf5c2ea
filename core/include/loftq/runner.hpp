#pragma once
// The job runner: checkpoint + plan -> per-layer LoftQ -> export writers + report. Tensor by tensor
// (the next target is read while the current one computes), so memory holds a few tensors.
#include "loftq/checkpoint.hpp"
#include "loftq/export_writer.hpp"
#include "loftq/plan.hpp"
#include "loftq/progress.hpp"
#include "loftq/report.hpp"

#include <atomic>
#include <string>
#include <vector>

namespace loftq {

struct RunOptions {
    std::string outputDir;             // empty: measure only, write nothing
    std::vector<ExportFormat> formats = {ExportFormat::HfPeft};
    bool force = false;                // allow a non-empty output folder (see core/src/io/output_folder.hpp)
    int threads = 1;
    bool keepSpectra = true;           // keep the adapter's singular values in the report
};

// Runs the whole job. Throws Error (BadInput / Runtime / Cancelled); on any throw nothing is left
// at a final path in outputDir. `cancel` is polled between steps.
RunReport runJob(const Checkpoint& checkpoint, const Plan& plan, const RunOptions& options,
                 const ProgressSink& progress = {}, const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
