#include "loftq/dtype.hpp"

#include <Eigen/Core>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <cstring>

namespace loftq {
namespace {

struct DTypeTraits {
    DType type;
    std::string_view name;
    std::size_t size;
    bool floatingWeight;
};

constexpr std::array<DTypeTraits, 15> kDTypes{{
    {DType::F64, "F64", 8, true},      {DType::F32, "F32", 4, true},
    {DType::F16, "F16", 2, true},      {DType::BF16, "BF16", 2, true},
    {DType::I64, "I64", 8, false},     {DType::I32, "I32", 4, false},
    {DType::I16, "I16", 2, false},     {DType::I8, "I8", 1, false},
    {DType::U64, "U64", 8, false},     {DType::U32, "U32", 4, false},
    {DType::U16, "U16", 2, false},     {DType::U8, "U8", 1, false},
    {DType::BOOL, "BOOL", 1, false},   {DType::F8_E4M3, "F8_E4M3", 1, false},
    {DType::F8_E5M2, "F8_E5M2", 1, false},
}};

const DTypeTraits& traits(DType t) { return kDTypes[static_cast<std::size_t>(t)]; }

// bfloat16 with round-to-nearest-even; NaN stays a quiet NaN of the same sign.
std::uint16_t floatToBf16(float f)
{
    std::uint32_t bits = std::bit_cast<std::uint32_t>(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u)
        return static_cast<std::uint16_t>((bits >> 16) | 0x0040u);
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return static_cast<std::uint16_t>(bits >> 16);
}

float bf16ToFloat(std::uint16_t h) { return std::bit_cast<float>(std::uint32_t(h) << 16); }

} // namespace

std::optional<DType> parseDType(std::string_view name)
{
    for (const auto& t : kDTypes)
        if (t.name == name)
            return t.type;
    return std::nullopt;
}

std::string_view dtypeName(DType t) { return traits(t).name; }
std::size_t dtypeSize(DType t) { return traits(t).size; }
bool isFloatingWeight(DType t) { return traits(t).floatingWeight; }

void toFloat32(DType t, const std::byte* src, float* dst, std::size_t count)
{
    switch (t) {
    case DType::F32:
        std::memcpy(dst, src, count * 4);
        return;
    case DType::F64:
        for (std::size_t i = 0; i < count; ++i) {
            double d;
            std::memcpy(&d, src + 8 * i, 8);
            // Out of float range the cast is undefined behaviour; a file may hold such values.
            if (std::isfinite(d) && std::fabs(d) > double(std::numeric_limits<float>::max()))
                dst[i] = d > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
            else
                dst[i] = static_cast<float>(d);
        }
        return;
    case DType::BF16:
        for (std::size_t i = 0; i < count; ++i) {
            std::uint16_t h;
            std::memcpy(&h, src + 2 * i, 2);
            dst[i] = bf16ToFloat(h);
        }
        return;
    case DType::F16:
        for (std::size_t i = 0; i < count; ++i) {
            std::uint16_t h;
            std::memcpy(&h, src + 2 * i, 2);
            dst[i] = static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(h));
        }
        return;
    default:
        break;
    }
    std::memset(dst, 0, count * sizeof(float));
}

void fromFloat32(DType t, const float* src, std::byte* dst, std::size_t count)
{
    switch (t) {
    case DType::F32:
        std::memcpy(dst, src, count * 4);
        return;
    case DType::F64:
        for (std::size_t i = 0; i < count; ++i) {
            const double d = src[i];
            std::memcpy(dst + 8 * i, &d, 8);
        }
        return;
    case DType::BF16:
        for (std::size_t i = 0; i < count; ++i) {
            const std::uint16_t h = floatToBf16(src[i]);
            std::memcpy(dst + 2 * i, &h, 2);
        }
        return;
    case DType::F16:
        for (std::size_t i = 0; i < count; ++i) {
            const auto h = Eigen::numext::bit_cast<std::uint16_t>(Eigen::half(src[i]));
            std::memcpy(dst + 2 * i, &h, 2);
        }
        return;
    default:
        break;
    }
}

void roundTripThrough(DType t, float* values, std::size_t count)
{
    switch (t) {
    case DType::BF16:
        for (std::size_t i = 0; i < count; ++i)
            values[i] = bf16ToFloat(floatToBf16(values[i]));
        return;
    case DType::F16:
        for (std::size_t i = 0; i < count; ++i)
            values[i] = static_cast<float>(Eigen::half(values[i]));
        return;
    default:
        return; // F32 and F64 hold every float32 exactly
    }
}

} // namespace loftq
