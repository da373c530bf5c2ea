#pragma once
// Guards for where an export may go: never the source folder or inside it, never over a non-empty
// folder unless forced, and with force only files a previous export of ours wrote are replaced.
#include "loftq/checkpoint.hpp"

#include <string>
#include <vector>

namespace loftq {

// The list of files an export wrote, kept in the folder so --force knows what it may replace.
inline constexpr const char* kExportManifest = "loftq_manifest.json";

// Creates the folder if missing. Throws Error(BadInput) with the reason when it may not be used.
// Returns true when the folder was created by this call (so a failed run can remove it again);
// `createdTop`, when given, receives the outermost folder created ("" when none was).
bool prepareOutputFolder(const Checkpoint& source, const std::string& outputDir, bool force,
                         std::string* createdTop = nullptr);

// Undoes, unless dismissed, what a failed or cancelled run left in its output folder: every
// folder under it that was not there when arm() was called, and the folders prepareOutputFolder
// created. Only empty folders are removed, so nothing a user wrote can go. Staged files vanish on
// their own (AtomicFile), so declare this before the writers: it must run after they are gone.
class OutputFolderRollback {
public:
    OutputFolderRollback() = default;
    ~OutputFolderRollback();
    OutputFolderRollback(const OutputFolderRollback&) = delete;
    OutputFolderRollback& operator=(const OutputFolderRollback&) = delete;
    void arm(const std::string& outputDir, const std::string& createdTop);
    void dismiss() { armed_ = false; }

private:
    bool armed_ = false;
    std::string outputDir_;
    std::string createdTop_;
    std::vector<std::string> foldersBefore_; // sorted
};

// Files listed by a previous export's manifest (relative paths), empty when there is none.
std::vector<std::string> previousExportFiles(const std::string& outputDir);

} // namespace loftq
