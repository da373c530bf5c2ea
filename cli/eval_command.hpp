#pragma once
// `loftq eval MODEL [--compare ORIGINAL] (--text FILE | --tokens FILE) [--context C]
// [--max-tokens N] [--variant full|backbone] [--threads N] [--json]`: NLL, perplexity and bits per
// byte of a model on a text, and KL / top-1 agreement against the original (docs/model.md).
#include <atomic>
#include <cstdio>

namespace loftq::cli {

struct CliOptions;

// Throws Error like the other commands; returns the exit status.
int runEval(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);

} // namespace loftq::cli
