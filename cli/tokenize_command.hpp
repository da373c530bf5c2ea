#pragma once
// `loftq tokenize MODEL_OR_TOKENIZER_FILE --text FILE [--json] [--no-special]` (docs/tokenizers.md):
// the ids Hugging Face would make for the text, on stdout; a one-line summary on stderr.
#include <atomic>
#include <cstdio>

namespace loftq::cli {

struct CliOptions;

// Throws Error(BadInput) for bad input (exit status 2).
int runTokenize(const CliOptions& o, const std::atomic<bool>* cancel, std::FILE* out, std::FILE* err);

} // namespace loftq::cli
