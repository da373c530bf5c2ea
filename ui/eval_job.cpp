#include "eval_job.hpp"
#include "background_priority.hpp"
#include "job_outcome.hpp"
#include "loftq/errors.hpp"
#include "loftq/run_result_source.hpp"
#include "loftq/size_estimate.hpp"
#include "loftq/tokenizer.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace loftq::ui {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// Tokens of text shown around a worst prediction.
constexpr std::size_t kTokensBefore = 40;
constexpr std::size_t kTokensAfter = 12;

std::vector<WorstInText> worstInText(const EvalResult& result, const EvalTokens& tokens, const Tokenizer& tokenizer)
{
    auto decode = [&](std::size_t begin, std::size_t end) {
        end = std::min(end, tokens.ids.size());
        begin = std::min(begin, end);
        return tokenizer.decode(std::vector<TokenId>(tokens.ids.begin() + std::ptrdiff_t(begin),
                                                     tokens.ids.begin() + std::ptrdiff_t(end)));
    };
    std::vector<WorstInText> out;
    for (const auto& w : result.worst) {
        const std::size_t p = w.position;
        out.push_back({decode(p > kTokensBefore ? p - kTokensBefore : 0, p), decode(p, p + 1),
                       decode(p + 1, p + 1 + kTokensAfter), tokenizer.decode({w.modelTop1}),
                       tokenizer.decode({w.originalTop1})});
    }
    return out;
}

// A folder's report and plan: beside the export, or one folder up when several formats were written.
std::optional<fs::path> besideExport(const fs::path& exportPath, const char* name)
{
    const fs::path folder = fs::is_directory(exportPath) ? exportPath : exportPath.parent_path();
    for (const auto& dir : {folder, folder.parent_path()})
        if (fs::exists(dir / name))
            return dir / name;
    return std::nullopt;
}

std::uint64_t estimatedBytes(const Checkpoint& checkpoint, const Plan& plan)
{
    return estimateExportSize(checkpoint, planLayers(checkpoint, plan), plan.adapterDtype).total();
}

PlanDigest digestOf(const EvalRequest& r)
{
    switch (r.subject) {
    case EvalSubject::Original: {
        PlanDigest digest;
        digest.summary = "original";
        digest.estimatedBytes = r.checkpoint->totalBytes();
        return digest;
    }
    case EvalSubject::Run: {
        auto digest = r.runReport ? digestOfReport(r.runReport->toJson(r.plan)) : PlanDigest{};
        digest.estimatedBytes = estimatedBytes(*r.checkpoint, r.plan);
        return digest;
    }
    case EvalSubject::Export: {
        PlanDigest digest;
        digest.summary = "export without loftq_report.json";
        if (const auto report = besideExport(r.exportPath, "loftq_report.json")) {
            std::ifstream in(*report);
            const auto j = json::parse(in, nullptr, false);
            if (!j.is_discarded())
                digest = digestOfReport(j);
        }
        if (const auto plan = besideExport(r.exportPath, "loftq_plan.json")) {
            try {
                digest.estimatedBytes = estimatedBytes(*r.checkpoint, Plan::load(plan->string()));
            } catch (const Error&) { // a plan of another model: the size stays unknown
            }
        }
        return digest;
    }
    }
    return {};
}

std::unique_ptr<ModelSource> openSubject(const EvalRequest& r, ModelVariant variant, const std::atomic<bool>* cancel)
{
    if (r.subject == EvalSubject::Run)
        return openRunResultSource(r.checkpoint, r.plan, variant, r.options.threads, r.calibration, cancel);
    return openModelSource(r.exportPath, variant);
}

} // namespace

PlanDigest digestOfReport(const json& report)
{
    std::map<int, int, std::greater<>> layersByBits;
    std::set<int> ranks;
    int kept = 0, outputObjective = 0, weightObjective = 0;
    for (const auto& layer : report.value("layers", json::array())) {
        if (layer.value("status", std::string()) != "quantized") {
            ++kept;
            continue;
        }
        ++layersByBits[layer.value("bits", 0)];
        ranks.insert(layer.value("rank", 0));
        ++(layer.value("objective", std::string()) == "output" ? outputObjective : weightObjective);
    }
    std::string summary;
    for (const auto& [bits, count] : layersByBits)
        summary += (summary.empty() ? "" : ", ") + std::to_string(bits) + "-bit ×" + std::to_string(count);
    if (kept > 0)
        summary += (summary.empty() ? "" : ", ") + std::string("kept ×") + std::to_string(kept);
    if (!ranks.empty())
        summary += ranks.size() == 1 ? " · rank " + std::to_string(*ranks.begin())
                                     : " · ranks " + std::to_string(*ranks.begin()) + "–" + std::to_string(*ranks.rbegin());
    PlanDigest digest;
    digest.summary = summary;
    const auto summaryJson = report.value("summary", json::object());
    if (summaryJson.value("quantized", 0) > 0)
        digest.meanWeightError = summaryJson.value("mean_rel_error", 0.0);
    // A layer that fell back (its H could not be factored) counts as weight.
    digest.objective = outputObjective == 0 ? "weight"
                       : weightObjective == 0
                           ? "output"
                           : "output, " + std::to_string(weightObjective) + " layer" + (weightObjective > 1 ? "s" : "") +
                                 " weight";
    if (summaryJson.contains("mean_output_rel_error"))
        digest.meanOutputError = summaryJson.value("mean_output_rel_error", 0.0);
    digest.calibration = report.value("calibration", json::object()).value("statistics", std::string());
    digest.planned = plannedVsMeasuredOfReport(report);
    return digest;
}

namespace {

EvalOutcome evaluateRequest(const EvalRequest& r, const EvalProgress& progress, const std::atomic<bool>* cancel)
{
    EvalOutcome out;
    if (!r.checkpoint)
        throwBadInput("evaluation", "no checkpoint is open");
    const auto tokens = tokensFromText(r.textFile, r.checkpoint->directory());
    const auto original = openModelSource(r.checkpoint->path());
    const auto tokenizer = loadTokenizer(r.checkpoint->directory());
    out.digest = digestOf(r);
    // Each evaluate() call reports 0..1; the stages share the bar equally.
    const int stages = r.subject == EvalSubject::Original ? 1 : 2;
    auto stage = [&](int index, const std::string& name) -> ProgressSink {
        if (!progress)
            return {};
        return [&progress, index, stages, name](const ProgressEvent& e) {
            progress((index + e.fractionDone) / stages, e.layer.empty() ? name : name + ": " + e.layer);
        };
    };
    if (r.subject == EvalSubject::Original) {
        out.original = evaluate(*original, nullptr, tokens, r.options, stage(0, "original"), cancel);
    } else {
        const auto backbone = openSubject(r, ModelVariant::Backbone, cancel);
        out.backbone = evaluate(*backbone, original.get(), tokens, r.options, stage(0, "QLoRA init"), cancel);
        const auto full = openSubject(r, ModelVariant::Full, cancel);
        out.full = evaluate(*full, original.get(), tokens, r.options, stage(1, "LoftQ"), cancel);
    }
    out.worst = worstInText(*out.main(), tokens, *tokenizer);
    return out;
}

} // namespace

EvalOutcome runEvaluation(const EvalRequest& r, const EvalProgress& progress, const std::atomic<bool>* cancel)
{
    lowerCurrentThreadPriority();
    return outcomeOf<EvalOutcome>([&] { return evaluateRequest(r, progress, cancel); },
                                  "Out of memory. Try fewer tokens or a smaller context.");
}

} // namespace loftq::ui
