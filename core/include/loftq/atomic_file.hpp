#pragma once
// Files that appear at their final path only when complete: written to a temporary name in the
// destination directory, fsync'ed, then renamed. Destroyed without commit(), they vanish.
// Several files sync at once: finish() starts a file's fsync on a thread of its own.
#include <cstddef>
#include <cstdint>
#include <future>
#include <span>
#include <string>

namespace loftq {

class AtomicFile {
public:
    explicit AtomicFile(std::string finalPath);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::span<const std::byte> bytes);
    void write(const std::string& text);
    // Writing is over: fsync and close start on another thread; commit() waits for them.
    void finish();
    // Renames into place once the file is on disk (finish() first if needed). Throws a failure
    // of the fsync or close.
    void commit();
    const std::string& finalPath() const { return final_; }
    const std::string& tempPath() const { return temp_; }
    std::uint64_t bytesWritten() const { return written_; }

private:
    std::string final_;
    std::string temp_;
    int fd_ = -1;
    std::future<void> synced_; // finish()'s fsync and close
    std::uint64_t written_ = 0;
    bool committed_ = false;
};

// Writes a whole small file atomically (configs, JSON reports).
void writeFileAtomically(const std::string& path, const std::string& contents);

} // namespace loftq
