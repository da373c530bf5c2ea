#pragma once
// tokenizer.json "added_tokens" (<s>, <|endoftext|>, ...): found in the text before the model
// sees it, honouring lstrip / rstrip / single_word / normalized as Hugging Face does by default.
#include "loftq/tokenizer.hpp"

#include <array>
#include <string>
#include <vector>

namespace loftq::tokenize {

class Normalizer;

struct AddedToken {
    std::string content;
    TokenId id = 0;
    bool singleWord = false, lstrip = false, rstrip = false, normalized = false, special = false;
};

// A stretch of text: either plain text (id < 0) or one added token.
struct Segment {
    std::size_t begin, end;
    TokenId id;
};

class AddedVocabulary {
public:
    // Normalized tokens are looked for in normalized text, so their patterns are normalized too.
    AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

    // Cuts text at the tokens of one kind (normalized or not), leftmost-longest as aho-corasick does.
    void split(std::string_view text, bool normalizedTokens, std::vector<Segment>& out) const;
    const AddedToken* byId(TokenId id) const;
    const AddedToken* byContent(std::string_view content) const;
    TokenId largestId() const;

private:
    struct Patterns {
        std::vector<std::pair<std::string, std::size_t>> patterns; // text, index into tokens_; longest first
        std::array<bool, 256> firstByte{};
    };
    std::vector<AddedToken> tokens_;
    Patterns raw_, normalized_;
};

} // namespace loftq::tokenize
