#include "loftq/atomic_file.hpp"
#include "loftq/errors.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

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
    if (::fsync(fd_) != 0)
        throwRuntime(final_, std::string("fsync failed: ") + std::strerror(errno));
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0)
        throwRuntime(final_, std::string("close failed: ") + std::strerror(errno));
}

void AtomicFile::commit()
{
    finish();
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
