#pragma once
// Internal: the files one export writes into its folder, staged as AtomicFiles so that nothing
// appears at a final path before the whole run has succeeded (commit()).
#include "loftq/atomic_file.hpp"

#include <memory>
#include <span>
#include <string>
#include <vector>

namespace loftq::detail {

class StagedFiles {
public:
    explicit StagedFiles(std::string folder) : folder_(std::move(folder)) {}

    const std::string& folder() const { return folder_; }
    // A new staged file at `relative` (its parent folders are created).
    AtomicFile& stage(const std::string& relative);
    void stageText(const std::string& relative, const std::string& text);
    // A byte-for-byte copy of the file at `from`.
    void stageCopy(const std::string& from, const std::string& relative);
    void stageBytes(const std::string& relative, std::span<const std::byte> bytes);
    // Moves every staged file into place.
    void commit();

private:
    std::string folder_;
    std::vector<std::unique_ptr<AtomicFile>> staged_;
};

// Appends the whole file at `from` to `to` (1 MiB at a time).
void appendFileTo(const std::string& from, AtomicFile& to);

} // namespace loftq::detail
