// The quantizer traits table: each method's name, bit widths, codebook and block-scale rule.
#include "block_scales.hpp"
#include "codebooks.hpp"
#include "loftq/quantizer.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <set>

namespace loftq {
namespace {

// mean + 2.5 * unbiased std, as the reference's uniform quantizer does (docs/quantizers.md).
// Summed in double so the value is the correctly rounded one, not a summation-order accident.
// Not a dispatched kernel (block_scales.cpp): its sums are serial chains that vector width cannot
// speed up, and at v3 the compiler would fuse (x - mean)^2 + sq into an FMA and change the scale.
float meanPlusStdScale(const float* x, int n)
{
    double sum = 0;
    for (int i = 0; i < n; ++i)
        sum += x[i];
    const double mean = sum / n;
    double sq = 0;
    for (int i = 0; i < n; ++i)
        sq += (x[i] - mean) * (x[i] - mean);
    const double stddev = n > 1 ? std::sqrt(sq / (n - 1)) : 0.0;
    return static_cast<float>(mean + 2.5 * stddev);
}

const std::vector<QuantizerTraits> kQuantizers{
    {QuantMethod::NormalFloat, "nf", {2, 3, 4, 8}, &detail::normalFloatTable, &detail::absMaxScale, false},
    {QuantMethod::Uniform, "uniform", {2, 3, 4, 8}, &detail::uniformTable, &meanPlusStdScale, true},
};

struct Tables {
    std::vector<float> table;
    std::vector<float> midpoints;
};

const Tables& tablesFor(QuantMethod m, int bits)
{
    static std::mutex mutex;
    static std::map<std::pair<QuantMethod, int>, Tables> cache;
    std::lock_guard lock(mutex);
    auto [it, inserted] = cache.try_emplace({m, bits});
    if (inserted) {
        it->second.table = quantizerTraits(m).makeTable(bits);
        const auto& t = it->second.table;
        for (std::size_t i = 0; i + 1 < t.size(); ++i)
            it->second.midpoints.push_back((t[i] + t[i + 1]) * 0.5f);
    }
    return it->second;
}

} // namespace

std::optional<QuantMethod> parseQuantMethod(std::string_view name)
{
    for (const auto& q : kQuantizers)
        if (q.name == name)
            return q.method;
    return std::nullopt;
}

std::string_view quantMethodName(QuantMethod m) { return quantizerTraits(m).name; }

const QuantizerTraits& quantizerTraits(QuantMethod m) { return kQuantizers[static_cast<std::size_t>(m)]; }
const std::vector<QuantizerTraits>& allQuantizers() { return kQuantizers; }

const std::vector<float>& codebook(QuantMethod m, int bits) { return tablesFor(m, bits).table; }
const std::vector<float>& codebookMidpoints(QuantMethod m, int bits) { return tablesFor(m, bits).midpoints; }

std::vector<int> allSupportedBits()
{
    std::set<int> bits;
    for (const auto& q : kQuantizers)
        bits.insert(q.supportedBits.begin(), q.supportedBits.end());
    return {bits.begin(), bits.end()};
}

std::string supportedBitsText(QuantMethod m)
{
    std::string text;
    for (int bits : quantizerTraits(m).supportedBits)
        text += (text.empty() ? "" : ", ") + std::to_string(bits);
    return text;
}

std::string checkBits(QuantMethod m, int bits)
{
    const auto& traits = quantizerTraits(m);
    if (std::find(traits.supportedBits.begin(), traits.supportedBits.end(), bits) != traits.supportedBits.end())
        return {};
    return std::string(traits.name) + " does not support " + std::to_string(bits) + " bits (supported: " +
           supportedBitsText(m) + ")";
}

std::string checkQuantizable(const QuantizerSpec& spec, std::uint64_t elements)
{
    if (auto problem = checkBits(spec.method, spec.bits); !problem.empty())
        return problem;
    if (spec.blockSize < 2)
        return "block size must be at least 2";
    if (elements % std::uint64_t(spec.blockSize) != 0)
        return std::to_string(elements) + " elements are not divisible by the block size " +
               std::to_string(spec.blockSize);
    return {};
}

} // namespace loftq
