#include "budget_table.hpp"
#include "layer_table.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace loftq::cli {
namespace {

nlohmann::json summaryJson(const BudgetSummary& s)
{
    return {{"bytes", s.bytes},
            {"average_bits", s.averageBits},
            {"total_rel_error", s.totalRelError},
            {"squared_error", s.squaredError}};
}

void printSummaryLine(const char* what, const BudgetSummary& s, bool output, std::FILE* out)
{
    std::fprintf(out, "%-22s  %5.2f bits/weight  %10s  total %s error %.6f\n", what, s.averageBits,
                 humanBytes(double(s.bytes)).c_str(), output ? "output" : "rel", s.totalRelError);
}

// Curves measured with calibration statistics hold output errors (docs/calibration.md).
bool outputCurves(const BudgetResult& r) { return !r.curves.empty() && r.curves.front().output; }

} // namespace

void printBudgetResult(const BudgetResult& r, const Budget& budget, const std::vector<PresetComparison>& compared,
                       bool json, std::FILE* out)
{
    if (json) {
        nlohmann::json j;
        j["budget"] = budget.describe();
        j["objective"] = outputCurves(r) ? "output" : "weight";
        j["capacity_bytes"] = r.capacity;
        j["granularity_bytes"] = r.allocation.granularity;
        j["planned"] = summaryJson(r.summary);
        j["layers"] = nlohmann::json::array();
        for (std::size_t l = 0; l < r.curves.size(); ++l) {
            const auto& c = r.curves[l];
            nlohmann::json options = nlohmann::json::array();
            for (const auto& o : c.options)
                options.push_back({{"bits", o.bits}, {"rank", o.rank}, {"bytes", o.bytes},
                                   {"rel_error", c.squaredNorm > 0 ? std::sqrt(o.squaredError / c.squaredNorm) : 0.0}});
            j["layers"].push_back({{"tensor", c.layer.tensorName}, {"choice", r.allocation.choice[l]}, {"options", options}});
        }
        j["compared"] = nlohmann::json::object();
        for (const auto& c : compared)
            j["compared"][c.preset] = c.summary ? summaryJson(*c.summary) : nlohmann::json(nullptr);
        std::fprintf(out, "%s\n", j.dump(2).c_str());
        return;
    }
    std::size_t width = 5;
    for (const auto& c : r.curves)
        width = std::max(width, c.layer.tensorName.size());
    std::fprintf(out, "%-*s  %4s  %4s  %10s  %10s\n", int(width), "layer", "bits", "rank", "size",
                 outputCurves(r) ? "out_error" : "rel_error");
    for (std::size_t l = 0; l < r.curves.size(); ++l) {
        const auto& c = r.curves[l];
        const auto& o = c.options[r.allocation.choice[l]];
        std::fprintf(out, "%-*s  %4d  %4d  %10s  %10.6f\n", int(width), c.layer.tensorName.c_str(), o.bits, o.rank,
                     humanBytes(double(o.bytes)).c_str(), c.squaredNorm > 0 ? std::sqrt(o.squaredError / c.squaredNorm) : 0.0);
    }
    std::fprintf(out, "budget %s: %s for the quantized layers (DP granularity %llu bytes)\n", budget.describe().c_str(),
                 humanBytes(double(r.capacity)).c_str(), (unsigned long long)r.allocation.granularity);
    printSummaryLine("planned", r.summary, outputCurves(r), out);
    for (const auto& c : compared) {
        if (c.summary)
            printSummaryLine(("preset " + c.preset).c_str(), *c.summary, outputCurves(r), out);
        else
            std::fprintf(out, "preset %s: uses a setting that was not measured (add its bits to --bits-choices)\n",
                         c.preset.c_str());
    }
}

} // namespace loftq::cli
