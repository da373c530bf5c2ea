// Blockwise quantization: per block a scale, then per element the nearest codebook entry, found by
// counting the float32 midpoints below x / scale (a tie goes to the lower code). For 2, 3 and 4 bits
// the midpoint count is unrolled at compile time, so the element loop vectorizes (no table scan, no
// gather: the dequantized value is selected alongside the count). 8-bit tables use a binary search.
#include "loftq/quantizer.hpp"

#include <algorithm>
#include <cmath>

namespace loftq {
namespace {

constexpr int kLane = 64; // elements handled together so the inner loops vectorize

struct Tables {
    const float* table;
    const float* mids;
    int entries; // number of midpoints = 2^bits - 1
    std::uint8_t zeroCode;
};

// Codes and values of `len` scaled elements v. Entries is a compile-time constant for <= 4 bits.
template <int Entries>
void nearestCodes(const Tables& t, const float* v, int len, std::uint8_t* codes, float* values)
{
    float mids[Entries], next[Entries];
    for (int i = 0; i < Entries; ++i) {
        mids[i] = t.mids[i];
        next[i] = t.table[i + 1];
    }
    const float first = t.table[0];
    for (int j = 0; j < len; ++j) {
        int c = 0;
        float value = first;
        for (int i = 0; i < Entries; ++i) {
            const bool above = v[j] > mids[i];
            c += above;
            value = above ? next[i] : value;
        }
        codes[j] = static_cast<std::uint8_t>(c);
        values[j] = value;
    }
}

void nearestCodesBySearch(const Tables& t, const float* v, int len, std::uint8_t* codes, float* values)
{
    for (int j = 0; j < len; ++j) {
        const int c = int(std::lower_bound(t.mids, t.mids + t.entries, v[j]) - t.mids);
        codes[j] = static_cast<std::uint8_t>(c);
        values[j] = t.table[c];
    }
}

float absMax(const float* x, int n)
{
    float m = 0;
    for (int i = 0; i < n; ++i)
        m = std::max(m, std::fabs(x[i]));
    return m;
}

template <int Entries>
void quantizeRange(const QuantizerSpec& spec, const QuantizerTraits& traits, const Tables& t, const float* x,
                   std::int64_t n, std::uint8_t* codes, float* scales, float* y)
{
    const int bs = spec.blockSize;
    const bool nf = spec.method == QuantMethod::NormalFloat;
    for (std::int64_t b = 0; b * bs < n; ++b) {
        const float* xb = x + b * bs;
        std::uint8_t* cb = codes + b * bs;
        float* yb = y ? y + b * bs : nullptr;
        // absmax inline for nf (the hot path); other rules through the traits table.
        const float scale = nf ? absMax(xb, bs) : traits.blockScale(xb, bs);
        if (!(scale > 0) || !std::isfinite(scale)) {
            scales[b] = 0;
            std::fill(cb, cb + bs, t.zeroCode);
            if (yb)
                std::fill(yb, yb + bs, 0.0f);
            continue;
        }
        scales[b] = scale;
        const float reciprocal = 1.0f / scale;
        for (int start = 0; start < bs; start += kLane) {
            const int len = std::min(kLane, bs - start);
            float v[kLane], values[kLane];
            if (spec.arithmetic == ScaleArithmetic::Divide)
                for (int j = 0; j < len; ++j)
                    v[j] = xb[start + j] / scale;
            else
                for (int j = 0; j < len; ++j)
                    v[j] = xb[start + j] * reciprocal;
            if constexpr (Entries > 0)
                nearestCodes<Entries>(t, v, len, cb + start, values);
            else
                nearestCodesBySearch(t, v, len, cb + start, values);
            if (yb)
                for (int j = 0; j < len; ++j)
                    yb[start + j] = values[j] * scale;
        }
    }
}

Tables tablesFor(const QuantizerSpec& spec)
{
    const auto& table = codebook(spec.method, spec.bits);
    const auto& mids = codebookMidpoints(spec.method, spec.bits);
    // A zero block stores the code of the entry nearest 0 (exactly 0 for nf).
    const auto zero = std::min_element(table.begin(), table.end(),
                                       [](float a, float b) { return std::fabs(a) < std::fabs(b); });
    return {table.data(), mids.data(), int(mids.size()), static_cast<std::uint8_t>(zero - table.begin())};
}

} // namespace

void quantizeBlocks(const QuantizerSpec& spec, std::span<const float> x, std::uint8_t* codes, float* scales,
                    float* y)
{
    const auto t = tablesFor(spec);
    const auto& traits = quantizerTraits(spec.method);
    const auto n = static_cast<std::int64_t>(x.size());
    switch (t.entries) {
    case 3: return quantizeRange<3>(spec, traits, t, x.data(), n, codes, scales, y);
    case 7: return quantizeRange<7>(spec, traits, t, x.data(), n, codes, scales, y);
    case 15: return quantizeRange<15>(spec, traits, t, x.data(), n, codes, scales, y);
    default: return quantizeRange<0>(spec, traits, t, x.data(), n, codes, scales, y);
    }
}

void quantizeBlockwise(const QuantizerSpec& spec, std::span<const float> x, QuantizedBlocks& out,
                       std::span<float> y, int threads)
{
    const std::int64_t bs = spec.blockSize;
    const std::int64_t blocks = static_cast<std::int64_t>(x.size()) / bs;
    out.codes.resize(x.size());
    out.scales.resize(blocks);
    // Whole groups of blocks per task: blocks are independent, so the split never changes a result.
    constexpr std::int64_t kBlocksPerTask = 256;
    const std::int64_t tasks = (blocks + kBlocksPerTask - 1) / kBlocksPerTask;
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (std::int64_t task = 0; task < tasks; ++task) {
        const std::int64_t first = task * kBlocksPerTask, count = std::min(kBlocksPerTask, blocks - first);
        quantizeBlocks(spec, x.subspan(first * bs, count * bs), out.codes.data() + first * bs, out.scales.data() + first,
                       y.empty() ? nullptr : y.data() + first * bs);
    }
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
