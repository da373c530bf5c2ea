// Bit packing of codes for the packed format: a little-endian bit stream (see packed_format.hpp).
#include "loftq/packed_format.hpp"
#include "loftq/errors.hpp"

namespace loftq {

std::uint64_t packedCodeBytes(std::uint64_t count, int bits) { return (count * std::uint64_t(bits) + 7) / 8; }

std::vector<std::uint8_t> packCodes(std::span<const std::uint8_t> codes, int bits)
{
    std::vector<std::uint8_t> out(packedCodeBytes(codes.size(), bits), 0);
    std::uint64_t bit = 0;
    for (const std::uint8_t c : codes) {
        // A code of up to 8 bits touches at most two bytes.
        const std::uint32_t shifted = std::uint32_t(c) << (bit % 8);
        out[bit / 8] |= std::uint8_t(shifted);
        if (shifted > 0xff)
            out[bit / 8 + 1] |= std::uint8_t(shifted >> 8);
        bit += std::uint64_t(bits);
    }
    return out;
}

std::vector<std::uint8_t> unpackCodes(std::span<const std::uint8_t> packed, int bits, std::uint64_t count)
{
    if (packed.size() < packedCodeBytes(count, bits))
        throw Error(ErrorKind::BadInput, "packed codes: " + std::to_string(packed.size()) + " bytes cannot hold " +
                                             std::to_string(count) + " codes of " + std::to_string(bits) + " bits");
    std::vector<std::uint8_t> codes(count);
    const std::uint32_t mask = (1u << bits) - 1;
    std::uint64_t bit = 0;
    for (auto& c : codes) {
        const std::uint64_t byte = bit / 8;
        std::uint32_t window = packed[byte];
        if (byte + 1 < packed.size())
            window |= std::uint32_t(packed[byte + 1]) << 8;
        c = std::uint8_t((window >> (bit % 8)) & mask);
        bit += std::uint64_t(bits);
    }
    return codes;
}

} // namespace loftq
