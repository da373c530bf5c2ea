#pragma once
// `loftq tokenize MODEL_OR_TOKENIZER_FILE --text FILE [--json] [--no-special]` (docs/tokenizers.md):
// the ids Hugging Face would make for the text, on stdout; a one-line summary on stderr.
#include <cstdio>
#include <string>
#include <vector>

namespace loftq::cli {

// args[0] is "tokenize". Throws Error(BadInput) for bad usage or input (exit status 2).
int runTokenize(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

} // namespace loftq::cli
