#pragma once
// Element types of safetensors files and conversions of the floating ones to float32.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace loftq {

enum class DType { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2 };

std::optional<DType> parseDType(std::string_view name);
std::string_view dtypeName(DType t);
std::size_t dtypeSize(DType t);
// Only these are weights we can quantize; every other dtype is copied through untouched.
bool isFloatingWeight(DType t);

// Little-endian raw bytes -> float32. `src` holds count elements of type t (t must be floating).
void toFloat32(DType t, const std::byte* src, float* dst, std::size_t count);
// float32 -> raw bytes of type t with round-to-nearest-even, as torch's .to(dtype) does.
void fromFloat32(DType t, const float* src, std::byte* dst, std::size_t count);
// Rounds values in place to what t can represent (so errors are measured on exported numbers).
void roundTripThrough(DType t, float* values, std::size_t count);

} // namespace loftq
