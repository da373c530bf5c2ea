#pragma once
// Blockwise quantizers with the reference semantics of docs/algorithm.md, described by one traits
// table (ggml style) rather than switch statements spread over the code.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

enum class QuantMethod { NormalFloat, Uniform };

std::optional<QuantMethod> parseQuantMethod(std::string_view name); // "nf" | "uniform"
std::string_view quantMethodName(QuantMethod m);

// How codes are found: the reference divides by the scale; bitsandbytes multiplies by 1/scale.
enum class ScaleArithmetic { Divide, MultiplyByReciprocal };

struct QuantizerSpec {
    QuantMethod method = QuantMethod::NormalFloat;
    int bits = 4;
    int blockSize = 64;
    ScaleArithmetic arithmetic = ScaleArithmetic::Divide;
};

struct QuantizerTraits {
    QuantMethod method;
    std::string_view name;
    std::vector<int> supportedBits;
    // Sorted ascending float32 table of 2^bits entries.
    std::vector<float> (*makeTable)(int bits);
    // Block scale rule; a result <= 0 or non-finite means "zero block".
    float (*blockScale)(const float* x, int n);
    bool clampToTable; // values past +-1 take the end codes (uniform)
};

const QuantizerTraits& quantizerTraits(QuantMethod m);
const std::vector<QuantizerTraits>& allQuantizers();

// The codebook of a setting (cached; thread-safe).
const std::vector<float>& codebook(QuantMethod m, int bits);
// float32 midpoints between adjacent codebook entries (size 2^bits - 1).
const std::vector<float>& codebookMidpoints(QuantMethod m, int bits);

// Every bits setting some quantizer supports, ascending.
std::vector<int> allSupportedBits();
// The bits `m` supports, as messages list them: "2, 3, 4, 8".
std::string supportedBitsText(QuantMethod m);
// Why `m` cannot take `bits` ("nf does not support 5 bits (supported: 2, 3, 4, 8)"), or empty.
std::string checkBits(QuantMethod m, int bits);
// Why a setting cannot quantize a matrix of `elements` values, or empty when it can.
std::string checkQuantizable(const QuantizerSpec& spec, std::uint64_t elements);

// Codes and scales of a whole flattened row-major matrix. codes.size() == n, scales.size() == n / block.
struct QuantizedBlocks {
    std::vector<std::uint8_t> codes;
    std::vector<float> scales; // 0 for a zero block
};

// Quantizes x (n values, n divisible by blockSize) into codes and scales, and writes the
// dequantized values table[code] * scale to y when y is not empty (y may alias x). Parallel over
// blocks with `threads` OpenMP threads; blocks are independent, so any thread count gives the same.
void quantizeBlockwise(const QuantizerSpec& spec, std::span<const float> x, QuantizedBlocks& out,
                       std::span<float> y = {}, int threads = 1);
// The single-threaded kernel under quantizeBlockwise, for callers that fuse quantization into
// their own parallel loops: x holds whole blocks; codes gets x.size() entries, scales one per
// block, y (may be null or alias x) the dequantized values.
void quantizeBlocks(const QuantizerSpec& spec, std::span<const float> x, std::uint8_t* codes, float* scales,
                    float* y);
// Dequantized values table[code] * scale into y (n values).
void dequantizeBlockwise(const QuantizerSpec& spec, const QuantizedBlocks& q, std::span<float> y,
                         int threads = 1);

} // namespace loftq
