#pragma once
// Evaluation of a causal language model on token ids (docs/model.md): NLL, perplexity, bits per
// byte and, against an original model run side by side, KL(original || model) and top-1 agreement.
// Layer-major: every window passes one block before the next block's weights are read, so memory
// is one block plus the hidden states. A job in the runner's style: plain values in and out,
// progress events, cancellation polled between steps.
#include "loftq/model_source.hpp"
#include "loftq/progress.hpp"
#include "loftq/tokenizer.hpp"

#include <atomic>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace loftq {

// The token ids to evaluate and, when they came from text, how many bytes of text they cover.
struct EvalTokens {
    std::vector<TokenId> ids;
    std::size_t textBytes = 0; // 0: not from text (bits per byte is not reported)
    std::string source;        // the file they came from, for messages and summaries
};

// Text through the model folder's tokenizer (loftq/tokenizer.hpp), special tokens added.
// Throws Error(BadInput) naming the file (unreadable, not UTF-8, no tokenizer).
EvalTokens tokensFromText(const std::string& textFile, const std::string& modelFolder);
// A token file: one JSON array of integers, or integers separated by white space.
EvalTokens tokensFromFile(const std::string& tokenFile);

struct EvalOptions {
    int context = 0;                // window length C; 0: min(512, the model's max positions)
    std::size_t maxTokens = 16384;  // only the first maxTokens ids are used
    int threads = 1;                // results do not depend on it
    int worstCount = 32;            // how many worst predictions to keep
};

// One model's figures over all predictions.
struct ModelMetrics {
    double nll = 0;          // mean -log p(token), nats
    double perplexity = 0;   // exp(nll)
    double bitsPerByte = -1; // nll * tokens / bytes / ln 2; -1 when the ids did not come from text
    std::vector<double> windowNll; // mean NLL of each window
};

// A prediction where the model strays most from the original (or, without one, the least likely).
struct WorstPrediction {
    std::size_t position = 0; // index into EvalTokens::ids of the predicted token
    TokenId token = 0;
    double kl = 0;            // KL(original || model) there; 0 without an original
    double nll = 0;           // the model's -log p(token)
    TokenId modelTop1 = 0;
    TokenId originalTop1 = 0; // = modelTop1 without an original
};

// Against the original, on the same windows.
struct ComparisonMetrics {
    double meanKl = 0;
    double p99Kl = 0;          // 99th percentile, linear interpolation between order statistics
    double top1Agreement = 0;  // share of predictions, 0..1
    double deltaNll = 0;       // model NLL - original NLL
    // KL of every prediction in text order: window w, position j at [w * (C - 1) + j].
    std::vector<float> perPredictionKl;
};

struct EvalResult {
    std::string model;             // label of the evaluated model (path and variant)
    std::string original;          // empty without a comparison
    std::string tokens;            // EvalTokens::source
    int context = 0;
    std::size_t windows = 0;
    std::size_t predictions = 0;   // windows * (context - 1)
    ModelMetrics metrics;
    std::optional<ModelMetrics> originalMetrics;
    std::optional<ComparisonMetrics> comparison;
    std::vector<WorstPrediction> worst; // worst first
    double seconds = 0;
};
// Without the per-prediction KL array unless asked (it is large).
nlohmann::json toJson(const EvalResult& r, bool withPerPrediction = false);

// Everything evaluate() checks before it computes (architecture, context, enough ids, ids inside the
// vocabulary), so a front end can refuse bad input before other work. Returns the context used.
int checkEvaluable(const ModelSource& model, const EvalTokens& tokens, const EvalOptions& options);

// Runs the evaluation. `original` (optional) must have the same architecture and shapes.
// Throws Error(BadInput) for unsupported models, too few tokens, ids outside the vocabulary or
// mismatched models; Error(Cancelled) when `cancel` becomes true. Progress events: RunStarted,
// LayerStarted / LayerFinished per block of each model ("block 3 of original"), RunFinished.
EvalResult evaluate(const ModelSource& model, const ModelSource* original, const EvalTokens& tokens,
                    const EvalOptions& options, const ProgressSink& progress = {},
                    const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
