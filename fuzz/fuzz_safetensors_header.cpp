// Fuzz target: parseSafetensorsHeader, the first thing that reads a downloaded checkpoint.
// Input: 8 bytes (little-endian) of extra data length L, then the start of a file (length field
// and header). The parser sees a file of (size - 8) + L bytes, so seeds stay small (headers only)
// while the fuzzer still reaches the offset checks against the buffer size.
#include "loftq/errors.hpp"
#include "loftq/safetensors.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

namespace {

[[noreturn]] void broken(const char*) { std::abort(); }

std::uint64_t le64(const std::uint8_t* p)
{
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | p[i];
    return n;
}

// What an accepted header promises the rest of the engine.
void checkAccepted(const loftq::SafetensorsHeader& h, std::uint64_t fileSize)
{
    std::uint64_t cursor = 0;
    for (const auto& t : h.tensors) {
        if (t.begin != cursor || t.end < t.begin)
            broken("tensors not contiguous");
        if (t.elementCount() * loftq::dtypeSize(t.dtype) != t.byteSize())
            broken("size does not match shape x dtype");
        cursor = t.end;
    }
    if (h.dataStart() + cursor != fileSize || h.headerBytes > loftq::kMaxHeaderBytes)
        broken("buffer does not cover the file");
    // What we write, we read back the same.
    const std::string again = loftq::serializeSafetensorsHeader(h.tensors, h.metadata);
    const auto bytes = std::as_bytes(std::span(again.data(), again.size()));
    const auto h2 = loftq::parseSafetensorsHeader(bytes, again.size() + cursor, "round trip");
    if (h2.tensors.size() != h.tensors.size() || h2.metadata != h.metadata)
        broken("round trip changed the header");
    for (std::size_t i = 0; i < h.tensors.size(); ++i)
        if (h2.tensors[i].name != h.tensors[i].name || h2.tensors[i].shape != h.tensors[i].shape ||
            h2.tensors[i].dtype != h.tensors[i].dtype || h2.tensors[i].begin != h.tensors[i].begin)
            broken("round trip changed a tensor");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 8)
        return 0;
    const std::uint64_t extra = le64(data) & ((std::uint64_t(1) << 40) - 1);
    const auto bytes = std::as_bytes(std::span(data + 8, size - 8));
    const std::uint64_t fileSize = (size - 8) + extra;
    try {
        checkAccepted(loftq::parseSafetensorsHeader(bytes, fileSize, "fuzz.safetensors"), fileSize);
    } catch (const loftq::Error& e) {
        const std::string_view message = e.what();
        if (e.kind() != loftq::ErrorKind::BadInput || message.find('\n') != std::string_view::npos ||
            !message.starts_with("fuzz.safetensors: ") || message.size() > 5000)
            broken("error is not a one-line BadInput naming the file");
    }
    return 0;
}
