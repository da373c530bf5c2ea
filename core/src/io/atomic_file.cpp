#include "loftq/atomic_file.hpp"
#include "loftq/errors.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>
#include <utility>

namespace loftq {
namespace {

std::string temporaryNameFor(const std::string& finalPath)
{
    static std::atomic<unsigned> counter{0};
    const std::filesystem::path p(finalPath);
    // Hidden, in the same directory (so rename is atomic), unique per process and file.
    return (p.parent_path() / ("." + p.filename().string() + ".loftq-tmp-" + std::to_string(::getpid()) + "-" +
                               std::to_string(counter++)))
        .string();
}

} // namespace

AtomicFile::AtomicFile(std::string finalPath) : final_(std::move(finalPath)), temp_(temporaryNameFor(final_))
{
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0)
        throwRuntime(final_, std::string("cannot create temporary file: ") + std::strerror(errno));
}

AtomicFile::~AtomicFile()
{
    if (synced_.valid())
        synced_.wait(); // its failure does not matter any more: the file is being dropped
    if (fd_ >= 0)
        ::close(fd_);
    if (!committed_)
        ::unlink(temp_.c_str());
}

void AtomicFile::write(std::span<const std::byte> bytes)
{
    const std::byte* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            throwRuntime(final_, std::string("write failed: ") + std::strerror(n < 0 ? errno : ENOSPC));
        p += n;
        left -= std::size_t(n);
        written_ += std::uint64_t(n);
    }
}

void AtomicFile::write(const std::string& text)
{
    write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(text.data()), text.size()));
}

void AtomicFile::finish()
{
    if (fd_ < 0)
        return;
    // fsync waits for the disk. Waited for one after another, an export's files add their waits
    // (a one-matrix export: 8 ms for the weights, then about 1 ms for each small file) and a
    // whole-model run stops computing while each shard reaches the disk. Each file syncs on a
    // thread of its own instead; commit() waits for it.
    synced_ = std::async(std::launch::async, [fd = std::exchange(fd_, -1), path = final_] {
        const bool synced = ::fsync(fd) == 0;
        const int syncError = errno;
        const bool closed = ::close(fd) == 0;
        if (!synced)
            throwRuntime(path, std::string("fsync failed: ") + std::strerror(syncError));
        if (!closed)
            throwRuntime(path, std::string("close failed: ") + std::strerror(errno));
    });
}

void AtomicFile::commit()
{
    finish();
    synced_.get();
    if (::rename(temp_.c_str(), final_.c_str()) != 0)
        throwRuntime(final_, std::string("cannot rename into place: ") + std::strerror(errno));
    committed_ = true;
}

void writeFileAtomically(const std::string& path, const std::string& contents)
{
    AtomicFile file(path);
    file.write(contents);
    file.commit();
}

} // namespace loftq
