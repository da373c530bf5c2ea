#pragma once
// One loader per tokenizer file format; tokenizer_discovery.cpp picks among them.
#include "loftq/tokenizer.hpp"

namespace loftq::tokenize {

// The file's bytes; Error(BadInput) naming it when it cannot be read.
std::string readWholeFile(const std::filesystem::path& path);
std::unique_ptr<Tokenizer> loadTokenizerJsonFile(const std::filesystem::path& path);
// GPT-2's original two files, as tokenizers.ByteLevelBPETokenizer(vocab, merges) reads them.
std::unique_ptr<Tokenizer> loadGpt2Files(const std::filesystem::path& vocab, const std::filesystem::path& merges);
// A SentencePiece tokenizer.model, through libsentencepiece.
std::unique_ptr<Tokenizer> loadSentencePiece(const std::filesystem::path& path);

} // namespace loftq::tokenize
