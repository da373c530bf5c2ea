#pragma once
// Internal: the export writers of one run, each in its format's folder (exportFolder), with the
// report, plan and manifest beside each format's files; nothing reaches a final path before
// finishAndCommit(). The output folder itself is prepared (and rolled back) by the runner.
#include "loftq/export_writer.hpp"

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace loftq::detail {

class ExportSet {
public:
    // Starts a writer of each format in outputDir, which must exist, after checking that every
    // format suits the plan (before anything is computed) and what would be replaced.
    ExportSet(const Checkpoint& source, const Plan& plan, const std::vector<PlannedLayer>& layers,
              const std::string& outputDir, const std::vector<ExportFormat>& formats);

    void consume(const CheckpointTensor& tensor, const QuantizedLayer* quantized);
    // Stages the remaining files of every format, then (unless cancelled meanwhile) moves them all
    // into place and removes files of an earlier export that this one did not write.
    void finishAndCommit(const RunReport& report, const Plan& plan, const std::atomic<bool>* cancel);

private:
    struct Member {
        std::string prefix; // "" or "<format>/"
        std::string folder;
        std::unique_ptr<ExportWriter> writer;
        std::vector<std::string> files; // relative to the member's folder, run files included
    };
    std::string outputDir_;
    std::vector<Member> members_;
};

} // namespace loftq::detail
