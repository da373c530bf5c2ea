#include "loftq/errors.hpp"
#include "loftq/safetensors.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace loftq {

std::shared_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path)
{
    // O_NONBLOCK: opening a FIFO (or a device) named like a checkpoint must not hang; it is
    // refused below as not a regular file. Regular files ignore the flag.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        throwBadInput(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throwBadInput(path, "not a regular file");
    }
    std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
    file->path_ = path;
    file->size_ = static_cast<std::uint64_t>(st.st_size);
    if (file->size_ > 0) {
        void* map = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            ::close(fd);
            throwRuntime(path, std::string("cannot memory-map: ") + std::strerror(errno));
        }
        file->map_ = static_cast<const std::byte*>(map);
    }
    ::close(fd);
    file->header_ = parseSafetensorsHeader({file->map_, file->size_}, file->size_, path);
    for (std::size_t i = 0; i < file->header_.tensors.size(); ++i)
        file->index_[file->header_.tensors[i].name] = i;
    return file;
}

SafetensorsFile::~SafetensorsFile()
{
    if (map_)
        ::munmap(const_cast<std::byte*>(map_), size_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const
{
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &header_.tensors[it->second];
}

std::span<const std::byte> SafetensorsFile::data(const TensorInfo& t) const
{
    return {map_ + header_.dataStart() + t.begin, t.byteSize()};
}

} // namespace loftq
