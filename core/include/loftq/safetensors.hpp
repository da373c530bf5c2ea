#pragma once
// safetensors reading (validated, memory-mapped) and the header model shared with the writer.
#include "loftq/dtype.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace loftq {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t begin = 0; // offsets into the data buffer, [begin, end)
    std::uint64_t end = 0;
    std::uint64_t elementCount() const;
    std::uint64_t byteSize() const { return end - begin; }
};

struct SafetensorsHeader {
    std::vector<TensorInfo> tensors; // sorted by begin offset
    std::map<std::string, std::string> metadata;
    std::uint64_t headerBytes = 0; // N, the JSON length
    std::uint64_t dataStart() const { return 8 + headerBytes; }
};

// Largest header we accept (docs/formats.md): protects against a hostile length field.
inline constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

// Parses and validates the first bytes of a file of fileSize bytes. `bytes` holds at least the
// 8-byte length and the header when the file has them. Throws Error(BadInput) naming `label`.
SafetensorsHeader parseSafetensorsHeader(std::span<const std::byte> bytes, std::uint64_t fileSize,
                                         const std::string& label);

// A read-only memory map of one safetensors file; never writes to it.
class SafetensorsFile {
public:
    static std::shared_ptr<SafetensorsFile> open(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const SafetensorsHeader& header() const { return header_; }
    const TensorInfo* find(const std::string& name) const;
    std::span<const std::byte> data(const TensorInfo& t) const;
    std::uint64_t fileSize() const { return size_; }

private:
    SafetensorsFile() = default;
    std::string path_;
    const std::byte* map_ = nullptr;
    std::uint64_t size_ = 0;
    SafetensorsHeader header_;
    std::map<std::string, std::size_t> index_;
};

// Serializes a header (tensors must already carry consecutive offsets) padded with spaces to a
// multiple of 8 bytes, the 8-byte length prefix included.
std::string serializeSafetensorsHeader(const std::vector<TensorInfo>& tensors,
                                       const std::map<std::string, std::string>& metadata);

} // namespace loftq
