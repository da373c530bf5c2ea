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
// Returns true when the folder was created by this call (so a failed run can remove it again).
bool prepareOutputFolder(const Checkpoint& source, const std::string& outputDir, bool force);

// Files listed by a previous export's manifest (relative paths), empty when there is none.
std::vector<std::string> previousExportFiles(const std::string& outputDir);

} // namespace loftq
