#pragma once
// tokenizer.json "model" of type BPE: merges applied by rank inside each pre-tokenized piece, with
// byte_fallback, ignore_merges, unk_token (fuse_unk) and the subword prefix/suffix.
#include "loftq/tokenizer.hpp"

#include <array>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace loftq::tokenize {

// Hash for string keys looked up by string_view without a copy.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using Vocabulary = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

struct BpeOptions {
    std::optional<std::string> unknownToken;
    std::string continuingSubwordPrefix, endOfWordSuffix;
    bool fuseUnknown = false, byteFallback = false, ignoreMerges = false;
};

// The pieces one encode call has already seen (Hugging Face keeps a cache too): a text repeats its
// words, and each is merged once. One per call, so concurrent encodes share nothing.
class WordCache {
public:
    const TokenId* find(std::string_view word, std::size_t& count) const;
    void add(std::string_view word, const TokenId* ids, std::size_t count);

private:
    std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>, StringHash, std::equal_to<>> index_;
    std::vector<TokenId> ids_;
};

class BpeModel {
public:
    // Throws Error(BadInput) naming source when a merge names a token the vocabulary lacks.
    BpeModel(Vocabulary vocabulary, const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options,
             const std::string& source);
    BpeModel(const BpeModel&) = delete; // tokens_ points into vocabulary_
    BpeModel& operator=(const BpeModel&) = delete;

    void tokenize(std::string_view piece, std::vector<TokenId>& out, WordCache& cache) const;
    std::optional<TokenId> idOf(std::string_view token) const;
    // The token's text, or nullptr for an id the vocabulary does not have.
    const std::string* tokenOf(TokenId id) const;
    std::size_t vocabularySize() const { return tokens_.size(); }

private:
    struct Merge {
        std::int32_t rank;
        TokenId result;
    };
    static std::uint64_t pairKey(TokenId a, TokenId b) { return (std::uint64_t(std::uint32_t(a)) << 32) | std::uint32_t(b); }
    void tokenizeWord(std::string_view word, std::vector<TokenId>& out, WordCache& cache) const;
    void mergeWord(std::string_view word, std::vector<TokenId>& out) const;
    void findSafeCuts();

    std::string source_;
    Vocabulary vocabulary_;
    std::vector<const std::string*> tokens_; // by id, into vocabulary_'s keys; null where ids skip one
    std::unordered_map<std::uint64_t, Merge> merges_;
    BpeOptions options_;
    std::optional<TokenId> unknownId_;
    std::array<std::optional<TokenId>, 256> byteTokens_{}; // <0xNN>, for byte_fallback
    // Characters no merge ever joins to a different character before them: a long piece is cut
    // before each such character (where the previous one differs) and the parts merged alone,
    // which gives the same tokens (see docs/tokenizers.md) and lets the word cache work.
    std::vector<bool> safeCut_;
};

} // namespace loftq::tokenize
