#pragma once
// `loftq eval MODEL [--compare ORIGINAL] (--text FILE | --tokens FILE) [--context C]
// [--max-tokens N] [--variant full|backbone] [--threads N] [--json]`: NLL, perplexity and bits per
// byte of a model on a text, and KL / top-1 agreement against the original (docs/model.md).
#include "loftq/eval.hpp"
#include "loftq/runner.hpp"

#include <atomic>
#include <memory>
#include <cstdio>

namespace loftq::cli {

struct CliOptions;

// Throws Error like the other commands; returns the exit status.
int runEval(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);

// `quantize --eval-text FILE`: the text is read and checked before the run (a bad one stops it
// before anything is computed); after it, the export is evaluated against the original, as the
// backbone alone and with its adapter, and the figures go to the summary and to every format
// folder's loftq_report.json ("evaluation").
class ExportEvaluation {
public:
    // `windows`: context, maxTokens and threads, as `loftq eval` takes them.
    ExportEvaluation(const std::string& source, const std::string& textFile, const EvalOptions& windows);
    void run(const RunOptions& run, bool json, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err) const;

private:
    std::unique_ptr<ModelSource> original_;
    EvalTokens tokens_;
    EvalOptions options_;
};

} // namespace loftq::cli
