#pragma once
// The packed low-bit export (docs/packed-format.md): one safetensors container, `model.loftq`,
// holding each quantized weight as bit-packed codes plus one float32 scale per block, the
// codebooks, every other tensor as stored in the source, the adapter, the config files, the plan
// and the report: everything `loftq unpack` needs to write the HF + PEFT export byte for byte.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace loftq {

inline constexpr const char* kPackedFileName = "model.loftq";
inline constexpr const char* kPackedFormatName = "loftq-packed";
inline constexpr int kPackedFormatVersion = 1;
// Tensor names the container adds; no source tensor may start with "loftq.".
inline constexpr const char* kPackedCodesPrefix = "loftq.codes:";
inline constexpr const char* kPackedScalesPrefix = "loftq.scales:";
inline constexpr const char* kPackedCodebookPrefix = "loftq.codebook:";
inline constexpr const char* kPackedFilePrefix = "loftq.file:";

// Bytes that `count` codes of `bits` bits take: ceil(count * bits / 8).
std::uint64_t packedCodeBytes(std::uint64_t count, int bits);
// Codes as one little-endian bit stream: code i occupies stream bits [i*bits, (i+1)*bits), its
// least significant bit first, and stream bit k is bit k % 8 (value 1 << (k % 8)) of byte k / 8.
// Unused high bits of the last byte are 0. Codes must be < 2^bits.
std::vector<std::uint8_t> packCodes(std::span<const std::uint8_t> codes, int bits);
std::vector<std::uint8_t> unpackCodes(std::span<const std::uint8_t> packed, int bits, std::uint64_t count);

// Writes the HF + PEFT export that the run which wrote the packed file wrote, into `outputDir`
// (created if missing; a non-empty folder only with `force`, and then only files of an earlier
// export of ours are replaced). adapter_config.json's base_model_name_or_path names `outputDir`, as
// a direct export there would. `packedFileOrFolder` is model.loftq, the folder holding it, or an
// export of several formats (its packed/model.loftq). Throws Error(BadInput) for a folder without
// one and for a malformed or foreign file.
void unpackToHfPeft(const std::string& packedFileOrFolder, const std::string& outputDir, bool force);

} // namespace loftq
