#include "calibration_job.hpp"
#include "background_priority.hpp"
#include "job_outcome.hpp"
#include "loftq/calibrate.hpp"
#include "loftq/errors.hpp"
#include "loftq/targets.hpp"

#include <cerrno>
#include <signal.h>
#include <filesystem>
#include <string>

namespace loftq::ui {
namespace {

namespace fs = std::filesystem;

// Removes the collection folders of workbenches that ended without removing them (a crash, a
// kill): folders named by a process id that no longer runs. A 7B model's statistics take 11 GB.
void removeAbandonedCollections(const fs::path& workFolder)
{
    std::error_code ignored;
    for (const auto& entry : fs::directory_iterator(workFolder, ignored)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 9)
            continue;
        const pid_t pid = pid_t(std::stol(name));
        if (::kill(pid, 0) != 0 && errno == ESRCH)
            fs::remove_all(entry.path(), ignored);
    }
}

// Opens the statistics and checks them against every default target of the checkpoint (a run
// checks its own targets again). `owned`: the file is removed once the statistics are released.
std::shared_ptr<const CalibrationStats> openChecked(const std::string& path, const Checkpoint& checkpoint, bool owned)
{
    auto stats = std::make_unique<CalibrationStats>(CalibrationStats::open(path));
    stats->validateFor(checkpoint, selectTargets(checkpoint));
    if (!owned)
        return std::shared_ptr<const CalibrationStats>(std::move(stats));
    return std::shared_ptr<const CalibrationStats>(stats.release(), [path](const CalibrationStats* s) {
        delete s;
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
    });
}

CalibrationOutcome prepare(const CalibrationRequest& r, const CalibrationProgress& progress,
                           const std::atomic<bool>* cancel)
{
    CalibrationOutcome out;
    if (r.textFile.empty()) {
        out.stats = openChecked(r.statsFile, *r.checkpoint, false);
        return out;
    }
    const auto tokens = tokensFromText(r.textFile, r.checkpoint->directory());
    auto report = [&progress](const ProgressEvent& e) {
        if (progress)
            progress(e.fractionDone, e.layer);
    };
    const fs::path folder = fs::path(r.collectedFile).parent_path();
    removeAbandonedCollections(folder.parent_path());
    fs::create_directories(folder);
    const auto summary =
        collectCalibration(r.checkpoint->path(), tokens, r.collectedFile, r.windows, false, report, cancel);
    out.collected = true;
    out.seconds = summary.seconds;
    try {
        out.stats = openChecked(r.collectedFile, *r.checkpoint, true);
    } catch (...) { // statistics nobody can use are not kept
        std::error_code ignored;
        std::filesystem::remove(r.collectedFile, ignored);
        throw;
    }
    return out;
}

} // namespace

CalibrationOutcome prepareCalibration(const CalibrationRequest& r, const CalibrationProgress& progress,
                                      const std::atomic<bool>* cancel)
{
    lowerCurrentThreadPriority();
    return outcomeOf<CalibrationOutcome>(
        [&] {
            if (!r.checkpoint)
                throwBadInput("calibration", "no checkpoint is open");
            return prepare(r, progress, cancel);
        },
        "Out of memory. Try fewer tokens or a shorter context.");
}

} // namespace loftq::ui
