// The allocation: a multiple-choice knapsack (one option per layer, total bytes <= capacity,
// minimal total squared error) solved exactly by dynamic programming over size.
#include "loftq/budget.hpp"
#include "loftq/errors.hpp"

#include <cmath>
#include <limits>
#include <numeric>

namespace loftq {

BudgetAllocation allocateBudget(const std::vector<LayerCurve>& curves, std::uint64_t capacity, std::uint64_t maxColumns)
{
    // Only what each layer costs above its cheapest option competes for the free bytes.
    std::vector<std::uint64_t> cheapest;
    std::uint64_t base = 0, gcd = 0;
    for (const auto& c : curves) {
        if (c.options.empty() || c.options.size() > 255)
            throwBadInput("budget", "layer '" + c.layer.tensorName + "' needs 1 to 255 options");
        std::uint64_t least = c.options.front().bytes;
        for (const auto& o : c.options)
            least = std::min(least, o.bytes);
        for (const auto& o : c.options)
            gcd = std::gcd(gcd, o.bytes - least);
        cheapest.push_back(least);
        base += least;
    }
    if (capacity < base)
        throwBadInput("budget", "the budget leaves " + std::to_string(capacity) +
                                    " bytes for the quantized layers, but their smallest settings need " +
                                    std::to_string(base));
    const std::uint64_t free = capacity - base;
    BudgetAllocation a;
    a.granularity = std::max<std::uint64_t>({1, gcd, (free + maxColumns - 1) / std::max<std::uint64_t>(1, maxColumns)});
    const std::size_t columns = std::size_t(free / a.granularity) + 1;

    // best[c]: least error of the layers so far within c columns; choice[l][c]: the option taking it.
    std::vector<double> best(columns, 0.0), next(columns);
    std::vector<std::uint8_t> choice(curves.size() * columns);
    std::vector<std::vector<std::size_t>> width(curves.size());
    for (std::size_t l = 0; l < curves.size(); ++l) {
        for (const auto& o : curves[l].options)
            width[l].push_back(std::size_t((o.bytes - cheapest[l] + a.granularity - 1) / a.granularity));
        std::uint8_t* row = choice.data() + l * columns;
        for (std::size_t c = 0; c < columns; ++c) {
            next[c] = std::numeric_limits<double>::infinity();
            for (std::size_t o = 0; o < width[l].size(); ++o) {
                if (width[l][o] > c)
                    continue;
                const double e = best[c - width[l][o]] + curves[l].options[o].squaredError;
                if (e < next[c]) { // strict: the first option wins a tie, so the result is deterministic
                    next[c] = e;
                    row[c] = std::uint8_t(o);
                }
            }
        }
        std::swap(best, next);
    }
    a.choice.resize(curves.size());
    std::size_t c = columns - 1;
    for (std::size_t l = curves.size(); l-- > 0;) {
        const std::size_t o = choice[l * columns + c];
        a.choice[l] = o;
        c -= width[l][o];
        a.bytes += curves[l].options[o].bytes;
        a.squaredError += curves[l].options[o].squaredError;
    }
    return a;
}

BudgetSummary summarize(const std::vector<LayerCurve>& curves, const std::vector<std::size_t>& choice)
{
    BudgetSummary s;
    double bits = 0, elements = 0, norm = 0;
    for (std::size_t l = 0; l < curves.size(); ++l) {
        const auto& o = curves[l].options[choice[l]];
        s.bytes += o.bytes;
        s.squaredError += o.squaredError;
        bits += double(curves[l].layer.elements()) * o.bits;
        elements += double(curves[l].layer.elements());
        norm += curves[l].squaredNorm;
    }
    s.averageBits = elements > 0 ? bits / elements : 0.0;
    s.totalRelError = norm > 0 ? std::sqrt(s.squaredError / norm) : 0.0;
    return s;
}

std::optional<std::vector<std::size_t>> choiceOf(const std::vector<LayerCurve>& curves, const Plan& plan)
{
    std::vector<std::size_t> choice;
    for (const auto& c : curves) {
        const auto p = plan.resolve(c.layer);
        if (!p.quantize || p.method != c.plan.method || p.blockSize != c.plan.blockSize)
            return std::nullopt;
        std::size_t o = 0;
        while (o < c.options.size() && (c.options[o].bits != p.bits || c.options[o].rank != p.rank))
            ++o;
        if (o == c.options.size())
            return std::nullopt;
        choice.push_back(o);
    }
    return choice;
}

} // namespace loftq
