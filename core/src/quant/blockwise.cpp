// Blockwise quantization: per block a scale, then per element the nearest codebook entry, found by
// counting the float32 midpoints below x / scale (a tie goes to the lower code). For up to 16
// entries the count is a branch-free loop the compiler vectorizes; 8-bit tables use a binary search.
#include "loftq/quantizer.hpp"

#include <algorithm>
#include <cmath>

namespace loftq {
namespace {

constexpr int kLane = 64; // elements handled together so the inner loops vectorize

struct BlockKernel {
    const std::vector<float>& table;
    const std::vector<float>& mids;
    const QuantizerTraits& traits;
    ScaleArithmetic arithmetic;
    std::uint8_t zeroCode;

    void run(const float* x, int n, std::uint8_t* codes, float* y, float& scaleOut) const
    {
        float scale = traits.blockScale(x, n);
        if (!(scale > 0) || !std::isfinite(scale)) {
            scaleOut = 0;
            std::fill(codes, codes + n, zeroCode);
            if (y)
                std::fill(y, y + n, 0.0f);
            return;
        }
        scaleOut = scale;
        const float reciprocal = 1.0f / scale;
        const int entries = static_cast<int>(mids.size());
        for (int start = 0; start < n; start += kLane) {
            const int len = std::min(kLane, n - start);
            float v[kLane];
            if (arithmetic == ScaleArithmetic::Divide)
                for (int j = 0; j < len; ++j)
                    v[j] = x[start + j] / scale;
            else
                for (int j = 0; j < len; ++j)
                    v[j] = x[start + j] * reciprocal;
            std::uint8_t c[kLane];
            if (entries <= 15) {
                std::int32_t count[kLane] = {};
                for (int i = 0; i < entries; ++i) {
                    const float m = mids[i];
                    for (int j = 0; j < kLane; ++j)
                        count[j] += v[j] > m ? 1 : 0;
                }
                for (int j = 0; j < len; ++j)
                    c[j] = static_cast<std::uint8_t>(count[j]);
            } else {
                for (int j = 0; j < len; ++j)
                    c[j] = static_cast<std::uint8_t>(std::lower_bound(mids.begin(), mids.end(), v[j]) - mids.begin());
            }
            std::copy(c, c + len, codes + start);
            if (y)
                for (int j = 0; j < len; ++j)
                    y[start + j] = table[c[j]] * scale;
        }
    }
};

BlockKernel kernelFor(const QuantizerSpec& spec)
{
    const auto& table = codebook(spec.method, spec.bits);
    // A zero block stores the code of the value nearest 0 (exactly 0 for nf).
    const auto zero = std::min_element(table.begin(), table.end(),
                                       [](float a, float b) { return std::fabs(a) < std::fabs(b); });
    return {table, codebookMidpoints(spec.method, spec.bits), quantizerTraits(spec.method), spec.arithmetic,
            static_cast<std::uint8_t>(zero - table.begin())};
}

} // namespace

void quantizeBlockwise(const QuantizerSpec& spec, std::span<const float> x, QuantizedBlocks& out,
                       std::span<float> y, int threads)
{
    const auto kernel = kernelFor(spec);
    const std::int64_t bs = spec.blockSize;
    const std::int64_t blocks = static_cast<std::int64_t>(x.size()) / bs;
    out.codes.resize(x.size());
    out.scales.resize(blocks);
    float* yp = y.empty() ? nullptr : y.data();
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (std::int64_t b = 0; b < blocks; ++b)
        kernel.run(x.data() + b * bs, static_cast<int>(bs), out.codes.data() + b * bs, yp ? yp + b * bs : nullptr,
                   out.scales[b]);
}

void dequantizeBlockwise(const QuantizerSpec& spec, const QuantizedBlocks& q, std::span<float> y, int threads)
{
    const auto& table = codebook(spec.method, spec.bits);
    const std::int64_t bs = spec.blockSize;
    const std::int64_t blocks = static_cast<std::int64_t>(q.scales.size());
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (std::int64_t b = 0; b < blocks; ++b) {
        const float scale = q.scales[b];
        for (std::int64_t j = b * bs; j < (b + 1) * bs; ++j)
            y[j] = scale == 0.0f ? 0.0f : table[q.codes[j]] * scale; // +0, never -0, like quantize

    }
}

} // namespace loftq
