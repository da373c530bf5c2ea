#include "eval_command.hpp"
#include "cli_options.hpp"

#include "terminal_progress.hpp"
#include "loftq/errors.hpp"
#include "loftq/eval.hpp"


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

} // namespace

int runEval(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    const auto model = openModelSource(o.source, o.variant);
    const auto original = o.original.empty() ? nullptr : openModelSource(o.original, ModelVariant::Full);
    const auto tokens = readTokens(o, *model, original.get());
    TerminalProgress progress(o.json, out, err);
    const auto result = evaluate(*model, original.get(), tokens, o.eval, std::ref(progress), cancel);
    if (o.json) {
        auto j = toJson(result);
        j["event"] = "eval_result";
        std::fprintf(out, "%s\n", j.dump().c_str());
    } else {
        printSummary(out, result);
    }
    return 0;
}

} // namespace loftq::cli
