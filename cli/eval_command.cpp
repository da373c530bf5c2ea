#include "eval_command.hpp"

#include "terminal_progress.hpp"
#include "loftq/errors.hpp"
#include "loftq/eval.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

namespace loftq::cli {
namespace {

[[noreturn]] void usageError(const std::string& problem) { throw Error(ErrorKind::BadInput, "usage: " + problem); }

long long parseCount(const std::string& option, const std::string& text, long long max)
{
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max)
        usageError(option + " expects a number from 1 to " + std::to_string(max) + ", got '" + text + "'");
    return value;
}

struct EvalCommandOptions {
    std::string model, original, textFile, tokenFile;
    ModelVariant variant = ModelVariant::Full;
    EvalOptions eval;
    bool json = false;
};

EvalCommandOptions parseEvalArguments(const std::vector<std::string>& args)
{
    EvalCommandOptions o;
    o.eval.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&]() -> const std::string& {
            if (i + 1 >= args.size())
                usageError(a + " needs a value");
            return args[++i];
        };
        if (a == "--json")
            o.json = true;
        else if (a == "--compare")
            o.original = value();
        else if (a == "--text")
            o.textFile = value();
        else if (a == "--tokens")
            o.tokenFile = value();
        else if (a == "--context")
            o.eval.context = int(parseCount(a, value(), 1 << 20));
        else if (a == "--max-tokens")
            o.eval.maxTokens = std::size_t(parseCount(a, value(), 1ll << 40));
        else if (a == "--threads")
            o.eval.threads = int(parseCount(a, value(), 1024));
        else if (a == "--variant") {
            const auto v = parseModelVariant(value());
            if (!v)
                usageError("--variant must be full or backbone");
            o.variant = *v;
        } else if (a.starts_with("-"))
            usageError(a + " is not an option of eval");
        else if (o.model.empty())
            o.model = a;
        else
            usageError("unexpected argument '" + a + "'");
    }
    if (o.model.empty())
        usageError("eval needs a model (a checkpoint, an export folder or a model.loftq)");
    if (o.textFile.empty() == o.tokenFile.empty())
        usageError("eval needs exactly one of --text FILE and --tokens FILE");
    return o;
}

// The model's tokenizer, else the original's (a packed file's folder may have none).
EvalTokens readTokens(const EvalCommandOptions& o, const ModelSource& model, const ModelSource* original)
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

int runEval(const std::vector<std::string>& args, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err)
{
    const auto o = parseEvalArguments(args);
    const auto model = openModelSource(o.model, o.variant);
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
