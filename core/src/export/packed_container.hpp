#pragma once
// Internal: a packed container (docs/packed-format.md) opened for reading: its layout, the bytes
// of each tensor, and each quantized weight decoded. `loftq unpack` and evaluation read through it.
#include "loftq/checkpoint.hpp"
#include "packed_layout.hpp"

#include <span>
#include <string>
#include <vector>

namespace loftq::detail {

class PackedContainer {
public:
    // Throws Error(BadInput) for a file that is not a packed container of this version.
    explicit PackedContainer(const std::string& path);

    const PackedLayout& layout() const { return layout_; }
    const std::string& path() const { return label_; }

    // A tensor that must be there with this dtype and byte size.
    std::span<const std::byte> bytes(const std::string& name, DType dtype, std::uint64_t byteSize) const;
    std::span<const std::byte> embeddedFile(const std::string& relative) const;
    // Q of a quantized weight as out x in float32, exactly as decoded (before rounding to its dtype).
    MatrixRM decodeMatrix(const TensorInfo& stored, const PackedLayer& l) const;
    // Q of a quantized weight, stored as the direct export stores it.
    std::vector<std::byte> decodeWeight(const TensorInfo& stored, const PackedLayer& l) const;
    // Every tensor of the export is there, of the right type and size.
    void checkComplete() const;

private:
    struct PackedWeight {
        QuantizerSpec spec;
        std::uint64_t count = 0;
        std::span<const std::byte> codes, scales;
    };
    PackedWeight packedWeight(const TensorInfo& stored, const PackedLayer& l) const;

    Checkpoint file_;
    std::string label_;
    PackedLayout layout_;
};

} // namespace loftq::detail
