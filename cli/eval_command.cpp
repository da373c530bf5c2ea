#include "eval_command.hpp"
#include "cli_options.hpp"
#include "planned_text.hpp"

#include "terminal_progress.hpp"
#include "loftq/atomic_file.hpp"
#include "loftq/errors.hpp"
#include "loftq/eval.hpp"
#include "loftq/export_format.hpp"
#include "loftq/planned_vs_measured.hpp"

#include <filesystem>
#include <fstream>

namespace loftq::cli {
namespace {

// The model's tokenizer, else the original's (a packed file's folder may have none).
EvalTokens readTokens(const CliOptions& o, const ModelSource& model, const ModelSource* original)
{
    if (!o.tokenFile.empty())
        return tokensFromFile(o.tokenFile);
    try {
        return tokensFromText(o.textFile, model.tokenizerFolder());
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::BadInput || !original)
            throw;
        return tokensFromText(o.textFile, original->tokenizerFolder());
    }
}

void printMetrics(std::FILE* out, const char* who, const ModelMetrics& m)
{
    std::fprintf(out, "%-9s NLL %.4f nats/token   perplexity %.3f", who, m.nll, m.perplexity);
    if (m.bitsPerByte >= 0)
        std::fprintf(out, "   %.4f bits/byte", m.bitsPerByte);
    std::fprintf(out, "\n");
}

void printSummary(std::FILE* out, const EvalResult& r)
{
    std::fprintf(out, "model     %s\n", r.model.c_str());
    if (!r.original.empty())
        std::fprintf(out, "original  %s\n", r.original.c_str());
    std::fprintf(out, "tokens    %s: %zu windows of %d (%zu predictions), %.1f s\n", r.tokens.c_str(), r.windows,
                 r.context, r.predictions, r.seconds);
    printMetrics(out, "model", r.metrics);
    if (r.originalMetrics)
        printMetrics(out, "original", *r.originalMetrics);
    if (r.comparison)
        std::fprintf(out, "KL(original || model) mean %.5f  p99 %.5f nats   top-1 agreement %.2f%%   delta NLL %+.5f\n",
                     r.comparison->meanKl, r.comparison->p99Kl, 100 * r.comparison->top1Agreement, r.comparison->deltaNll);
}

// What the planner expected of the export's plan beside what its run measured, when `source` is an
// export whose loftq_report.json (beside the model file, or in the folder) carries it.
std::optional<PlannedVsMeasured> plannedOfExport(const std::string& source)
{
    namespace fs = std::filesystem;
    const fs::path folder = fs::is_directory(source) ? fs::path(source) : fs::path(source).parent_path();
    std::ifstream in(folder / "loftq_report.json");
    if (!in)
        return std::nullopt;
    return plannedVsMeasuredOfReport(nlohmann::json::parse(in, nullptr, false));
}

} // namespace

int runEval(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    const auto model = openModelSource(o.source, o.variant);
    const auto original = o.original.empty() ? nullptr : openModelSource(o.original, ModelVariant::Full);
    const auto tokens = readTokens(o, *model, original.get());
    TerminalProgress progress(o.json, out, err);
    const auto result = evaluate(*model, original.get(), tokens, o.eval, std::ref(progress), cancel);
    const auto planned = plannedOfExport(o.source);
    if (o.json) {
        auto j = toJson(result);
        j["event"] = "eval_result";
        if (planned)
            j["planned"] = toJson(*planned);
        std::fprintf(out, "%s\n", j.dump().c_str());
    } else {
        printSummary(out, result);
        if (planned)
            std::fprintf(out, "%s\n", plannedVsMeasuredLine(*planned).c_str());
    }
    return 0;
}

ExportEvaluation::ExportEvaluation(const std::string& source, const std::string& textFile, const EvalOptions& windows)
    : original_(openModelSource(source)), tokens_(tokensFromText(textFile, original_->tokenizerFolder())),
      options_(windows)
{
    checkEvaluable(*original_, tokens_, options_);
}

void ExportEvaluation::run(const RunOptions& run, bool json, const std::atomic<bool>* cancel, std::FILE* out,
                           std::FILE* err) const
{
    namespace fs = std::filesystem;
    std::vector<fs::path> folders;
    for (const auto f : run.formats)
        folders.push_back(exportFolder(run.outputDir, run.formats, f));
    // Every format of one run stands for the same Q and adapter; the first is evaluated.
    nlohmann::json evaluation{{"text", tokens_.source}};
    std::vector<EvalResult> results;
    for (const auto variant : {ModelVariant::Backbone, ModelVariant::Full}) {
        const auto model = openModelSource(folders.front().string(), variant);
        TerminalProgress progress(json, out, err);
        results.push_back(evaluate(*model, original_.get(), tokens_, options_, std::ref(progress), cancel));
        evaluation[std::string(modelVariantName(variant))] = toJson(results.back());
    }
    evaluation["original"] = toJson(results.front())["original_metrics"];
    std::optional<PlannedVsMeasured> planned;
    for (const auto& folder : folders) {
        const auto reportPath = (folder / "loftq_report.json").string();
        std::ifstream in(reportPath);
        auto report = nlohmann::json::parse(in, nullptr, false);
        if (report.is_discarded())
            throwRuntime(reportPath, "cannot be read back to add the evaluation");
        planned = plannedVsMeasuredOfReport(report); // the same run in every format
        report["evaluation"] = evaluation;
        writeFileAtomically(reportPath, report.dump(2) + "\n");
    }
    if (json) {
        nlohmann::json event{{"event", "export_evaluation"}, {"evaluation", evaluation}};
        if (planned)
            event["planned"] = toJson(*planned);
        std::fprintf(out, "%s\n", event.dump().c_str());
        return;
    }
    const auto& r = results.front();
    std::fprintf(out, "evaluation on %s: %zu windows of %d (%zu predictions)\n", tokens_.source.c_str(), r.windows,
                 r.context, r.predictions);
    std::fprintf(out, "%-22s %10s %11s %10s %10s %8s\n", "", "NLL", "perplexity", "KL mean", "KL p99", "top-1");
    std::fprintf(out, "%-22s %10.4f %11.3f\n", "original", r.originalMetrics->nll, r.originalMetrics->perplexity);
    for (std::size_t i = 0; i < results.size(); ++i) {
        const auto& e = results[i];
        std::fprintf(out, "%-22s %10.4f %11.3f %10.5f %10.5f %7.2f%%\n", i == 0 ? "backbone (QLoRA init)" : "backbone + adapter",
                     e.metrics.nll, e.metrics.perplexity, e.comparison->meanKl, e.comparison->p99Kl,
                     100 * e.comparison->top1Agreement);
    }
    if (planned)
        std::fprintf(out, "%s\n", plannedVsMeasuredLine(*planned).c_str());
}

} // namespace loftq::cli
