#pragma once
// Hugging Face tokenizer.json, read from memory (the fuzz target's entry point; loadTokenizer reads files).
#include "loftq/tokenizer.hpp"

namespace loftq {

// Throws Error(BadInput) "SOURCE: problem" for malformed JSON and for any component it does not
// implement, named ("pre_tokenizer type X is not supported").
std::unique_ptr<Tokenizer> parseTokenizerJson(std::string_view json, const std::string& source);

} // namespace loftq
