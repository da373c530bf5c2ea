#include "layer_table.hpp"
#include "planned_text.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace loftq::cli {
namespace {

std::string shapeText(const std::vector<std::int64_t>& shape)
{
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

} // namespace

std::string humanBytes(double b)
{
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (b >= 1024 && u < 4) {
        b /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
    return buf;
}

void printLayerTable(const RunReport& report, const Plan& plan, std::FILE* out)
{
    // With calibration statistics two more columns: the relative output errors (docs/calibration.md).
    const bool output = !report.calibration.empty();
    // A plan from `loftq plan --budget`: one more, what the planner expected of the layer.
    const auto planned = comparePlanned(plan, report);
    std::map<std::string, double> plannedError;
    if (planned)
        for (const auto& p : planned->layers)
            plannedError[p.tensor] = p.planned;
    auto printPlanned = [&](const LayerReport* l) {
        if (!planned)
            return;
        const auto it = l ? plannedError.find(l->layer.tensorName) : plannedError.end();
        if (it != plannedError.end())
            std::fprintf(out, "  %10.6f", it->second);
        else
            std::fprintf(out, "  %10s", l ? "-" : (planned->objective.output ? "plan_out" : "plan_err"));
    };
    std::size_t width = 5;
    for (const auto& l : report.layers)
        width = std::max(width, l.layer.tensorName.size());
    std::fprintf(out, "%-*s  %5s  %4s  %4s  %10s  %10s  %4s  %7s", int(width), "layer", "quant", "rank", "step",
                 "qlora_err", "loftq_err", "best", "improve");
    if (output)
        std::fprintf(out, "  %10s  %10s  %7s", "qlora_out", "loftq_out", "improve");
    printPlanned(nullptr);
    std::fprintf(out, "\n");
    double sumQ = 0, sumE = 0, sumQOut = 0, sumOut = 0;
    int n = 0, nOut = 0;
    std::vector<std::string> notes;
    for (const auto& l : report.layers) {
        if (l.status != LayerStatus::Quantized) {
            std::fprintf(out, "%-*s  %s%s%s\n", int(width), l.layer.tensorName.c_str(),
                         std::string(layerStatusName(l.status)).c_str(), l.note.empty() ? "" : ": ", l.note.c_str());
            continue;
        }
        const std::string quant = std::string(quantMethodName(l.plan.method)) + std::to_string(l.plan.bits);
        std::fprintf(out, "%-*s  %5s  %4d  %4d  %10.6f  %10.6f  %4d  %6.1f%%", int(width),
                     l.layer.tensorName.c_str(), quant.c_str(), l.rank, l.plan.steps, l.qloraRelError, l.relError,
                     l.bestStep, 100.0 * l.improvement());
        if (output && l.outputRelError) {
            std::fprintf(out, "  %10.6f  %10.6f  %6.1f%%", *l.qloraOutputRelError, *l.outputRelError,
                         100.0 * (1 - *l.outputRelError / *l.qloraOutputRelError));
            sumQOut += *l.qloraOutputRelError;
            sumOut += *l.outputRelError;
            ++nOut;
        } else if (output) {
            std::fprintf(out, "  %10s  %10s  %7s", "-", "-", "");
        }
        printPlanned(&l);
        std::fprintf(out, "\n");
        if (output && !l.note.empty())
            notes.push_back(l.layer.tensorName + ": " + l.note);
        sumQ += l.qloraRelError;
        sumE += l.relError;
        ++n;
    }
    if (n) {
        std::fprintf(out, "%-*s  %5s  %4s  %4s  %10.6f  %10.6f  %4s  %6.1f%%", int(width), "mean", "", "", "",
                     sumQ / n, sumE / n, "", 100.0 * (1 - sumE / sumQ));
        if (output && nOut)
            std::fprintf(out, "  %10.6f  %10.6f  %6.1f%%", sumQOut / nOut, sumOut / nOut, 100.0 * (1 - sumOut / sumQOut));
        std::fprintf(out, "\n");
    }
    for (const auto& note : notes)
        std::fprintf(out, "note: %s\n", note.c_str());
    if (output)
        std::fprintf(out, "output errors on %s (damping %g)\n", report.calibration.c_str(), report.damping);
    if (planned)
        std::fprintf(out, "%s\n", plannedVsMeasuredLine(*planned).c_str());
    std::fprintf(out, "%d layers quantized in %.2f s with %d thread(s)\n", n, report.seconds, report.threads);
}

void printInspection(const Checkpoint& cp, const std::vector<LayerDescriptor>& targets, bool json, std::FILE* out)
{
    std::set<std::string> targetNames;
    for (const auto& t : targets)
        targetNames.insert(t.tensorName);
    std::uint64_t params = 0, targetParams = 0;
    nlohmann::json j;
    j["source"] = cp.path();
    j["model_type"] = cp.modelType();
    j["architectures"] = cp.architectures();
    j["shards"] = nlohmann::json::array();
    for (const auto& s : cp.shards())
        j["shards"].push_back(s->path());
    j["tensors"] = nlohmann::json::array();
    std::size_t width = 6;
    for (const auto& t : cp.tensors())
        width = std::max(width, t.info.name.size());
    if (!json)
        std::fprintf(out, "%-*s  %-8s  %-16s  %10s  %s\n", int(width), "tensor", "dtype", "shape", "size", "target");
    for (const auto& t : cp.tensors()) {
        const bool target = targetNames.count(t.info.name) > 0;
        params += t.info.elementCount();
        if (target)
            targetParams += t.info.elementCount();
        if (json) {
            j["tensors"].push_back({{"name", t.info.name},
                                    {"dtype", dtypeName(t.info.dtype)},
                                    {"shape", t.info.shape},
                                    {"bytes", t.info.byteSize()},
                                    {"shard", cp.shards()[t.shard]->path()},
                                    {"target", target}});
        } else {
            std::fprintf(out, "%-*s  %-8s  %-16s  %10s  %s\n", int(width), t.info.name.c_str(),
                         std::string(dtypeName(t.info.dtype)).c_str(), shapeText(t.info.shape).c_str(),
                         humanBytes(double(t.info.byteSize())).c_str(), target ? "yes" : "");
        }
    }
    j["parameters"] = params;
    j["target_parameters"] = targetParams;
    j["target_count"] = targets.size();
    j["bytes"] = cp.totalBytes();
    if (json) {
        std::fprintf(out, "%s\n", j.dump(2).c_str());
        return;
    }
    std::fprintf(out, "%zu tensors, %llu parameters, %s on disk; %zu targets hold %llu parameters (%.1f%%)\n",
                 cp.tensors().size(), (unsigned long long)params, humanBytes(double(cp.totalBytes())).c_str(),
                 targets.size(), (unsigned long long)targetParams, params ? 100.0 * targetParams / params : 0.0);
}

} // namespace loftq::cli
