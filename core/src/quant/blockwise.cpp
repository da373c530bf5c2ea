// Blockwise quantization: per block a scale, then per element the nearest codebook entry, found by
// counting the float32 midpoints below x / scale (a tie goes to the lower code). For 2, 3 and 4 bits
// the midpoint count is unrolled at compile time, so the element loop vectorizes (no table scan, no
// gather: the dequantized value is selected alongside the count); with AVX-512 the count is a
// branchless binary search instead (below). 8-bit tables use a scalar binary search.
#include "loftq/quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>
#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>
#endif

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

#if defined(__AVX512F__) && defined(__AVX512BW__)
// 16 elements at a time, `bits` levels of a branchless binary search over the 2^bits - 1 sorted
// midpoints: each level looks up its midpoint with one permute (a whole <= 4-bit table fits one
// register), so the cost grows with bits rather than with the 2^bits - 1 comparisons of the count.
// Same result as the count: the search finds how many midpoints lie strictly below v.
template <int Entries>
class VectorSearch {
public:
    explicit VectorSearch(const Tables& t)
    {
        alignas(64) float shifted[16], table[16];
        // shifted[k] = mids[k - 1]: a candidate count k is accepted when v > mids[k - 1].
        std::fill(shifted, shifted + 16, INFINITY);
        std::copy(t.mids, t.mids + Entries, shifted + 1);
        std::fill(table, table + 16, 0.0f);
        std::copy(t.table, t.table + Entries + 1, table);
        mids_ = _mm512_load_ps(shifted);
        table_ = _mm512_load_ps(table);
    }

    void operator()(const Tables& t, const float* v, int len, std::uint8_t* codes, float* values) const
    {
        int j = 0;
        for (; j + 16 <= len; j += 16) {
            const __m512 x = _mm512_loadu_ps(v + j);
            __m512i count = _mm512_setzero_si512();
            for (int step = (Entries + 1) / 2; step > 0; step /= 2) {
                const __m512i candidate = _mm512_add_epi32(count, _mm512_set1_epi32(step));
                const __m512 mid = _mm512_permutexvar_ps(candidate, mids_);
                count = _mm512_mask_mov_epi32(count, _mm512_cmp_ps_mask(x, mid, _CMP_GT_OQ), candidate);
            }
            _mm512_storeu_ps(values + j, _mm512_permutexvar_ps(count, table_));
            _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + j), _mm512_cvtepi32_epi8(count));
        }
        if (j < len)
            nearestCodes<Entries>(t, v + j, len - j, codes + j, values + j);
    }

private:
    __m512 mids_, table_;
};
#else
// Without AVX-512 the unrolled count is what the compiler vectorizes best.
template <int Entries>
class VectorSearch {
public:
    explicit VectorSearch(const Tables&) {}
    void operator()(const Tables& t, const float* v, int len, std::uint8_t* codes, float* values) const
    {
        nearestCodes<Entries>(t, v, len, codes, values);
    }
};
#endif

// 8-bit tables: a binary search per element.
class ScalarSearch {
public:
    explicit ScalarSearch(const Tables&) {}
    void operator()(const Tables& t, const float* v, int len, std::uint8_t* codes, float* values) const
    {
        for (int j = 0; j < len; ++j) {
            const int c = int(std::lower_bound(t.mids, t.mids + t.entries, v[j]) - t.mids);
            codes[j] = static_cast<std::uint8_t>(c);
            values[j] = t.table[c];
        }
    }
};

template <int Entries>
void quantizeRange(const QuantizerSpec& spec, const QuantizerTraits& traits, const Tables& t, const float* x,
                   std::int64_t n, std::uint8_t* codes, float* scales, float* y)
{
    const int bs = spec.blockSize;
    const std::conditional_t<(Entries > 0), VectorSearch<Entries>, ScalarSearch> search(t);
    for (std::int64_t b = 0; b * bs < n; ++b) {
        const float* xb = x + b * bs;
        std::uint8_t* cb = codes + b * bs;
        float* yb = y ? y + b * bs : nullptr;
        const float scale = traits.blockScale(xb, bs);
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
            search(t, v, len, cb + start, values);
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
