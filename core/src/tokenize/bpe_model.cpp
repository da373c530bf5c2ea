#include "bpe_model.hpp"

#include "loftq/errors.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <cstdio>

namespace loftq::tokenize {

const TokenId* WordCache::find(std::string_view word, std::size_t& count) const
{
    const auto found = index_.find(word);
    if (found == index_.end())
        return nullptr;
    count = found->second.second;
    return ids_.data() + found->second.first;
}

void WordCache::add(std::string_view word, const TokenId* ids, std::size_t count)
{
    // Bounded: a huge text of distinct words must not hold all of them.
    if (index_.size() >= (1u << 20)) {
        index_.clear();
        ids_.clear();
    }
    index_.emplace(std::string(word), std::pair(std::uint32_t(ids_.size()), std::uint32_t(count)));
    for (std::size_t i = 0; i < count; ++i)
        ids_.push_back(ids[i]);
}

BpeModel::BpeModel(Vocabulary vocabulary, const std::vector<std::pair<std::string, std::string>>& merges,
                   BpeOptions options, const std::string& source)
    : source_(source), vocabulary_(std::move(vocabulary)), options_(std::move(options))
{
    TokenId largest = -1;
    for (const auto& [token, id] : vocabulary_) {
        if (id < 0)
            throwBadInput(source, "token " + quoteName(token) + " has a negative id");
        largest = std::max(largest, id);
    }
    tokens_.resize(std::size_t(largest + 1));
    for (const auto& [token, id] : vocabulary_)
        tokens_[std::size_t(id)] = &token;
    const auto prefixLength = options_.continuingSubwordPrefix.size();
    merges_.reserve(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        // Named references, not a structured binding: clang 14 cannot capture those in the lambda.
        const std::string& left = merges[rank].first;
        const std::string& right = merges[rank].second;
        const auto idOrFail = [&](const std::string& token) {
            const auto id = idOf(token);
            if (!id)
                throwBadInput(source, "merge " + std::to_string(rank + 1) + " (" + quoteName(left + " " + right) +
                                          ") names " + quoteName(token) + ", which is not in the vocabulary");
            return *id;
        };
        // The right half drops the continuing-subword prefix when joined (as Hugging Face builds it).
        const bool prefixed = prefixLength && right.starts_with(options_.continuingSubwordPrefix);
        const auto joined = left + right.substr(prefixed ? prefixLength : 0);
        // Looked up one after another so the error names the first missing part, whatever the compiler's
        // order of evaluating arguments.
        const auto leftId = idOrFail(left);
        const auto rightId = idOrFail(right);
        const auto joinedId = idOrFail(joined);
        // A later duplicate replaces an earlier one, as Hugging Face's map does.
        merges_[pairKey(leftId, rightId)] = Merge{std::int32_t(rank), joinedId};
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        byteTokens_[std::size_t(b)] = idOf(name);
    }
    if (options_.unknownToken)
        unknownId_ = idOf(*options_.unknownToken);
    if (prefixLength == 0 && options_.endOfWordSuffix.empty())
        findSafeCuts();
}

void BpeModel::findSafeCuts()
{
    std::vector<bool> joined(0x110000), single(0x110000);
    for (const auto& [token, id] : vocabulary_) {
        std::size_t at = 0;
        char32_t previous = nextCodePoint(token, at);
        if (at == token.size())
            single[previous] = true;
        while (at < token.size()) {
            const char32_t c = nextCodePoint(token, at);
            if (c != previous && c < joined.size())
                joined[c] = true;
            previous = c;
        }
    }
    bool any = false;
    for (std::size_t c = 0; c < single.size(); ++c) {
        single[c] = single[c] && !joined[c];
        any = any || single[c];
    }
    if (any)
        safeCut_ = std::move(single);
}

std::optional<TokenId> BpeModel::idOf(std::string_view token) const
{
    const auto found = vocabulary_.find(token);
    return found == vocabulary_.end() ? std::nullopt : std::optional(found->second);
}

const std::string* BpeModel::tokenOf(TokenId id) const
{
    return id >= 0 && std::size_t(id) < tokens_.size() ? tokens_[std::size_t(id)] : nullptr;
}

void BpeModel::tokenize(std::string_view piece, std::vector<TokenId>& out, WordCache& cache) const
{
    if (piece.empty())
        return;
    if (options_.ignoreMerges)
        if (const auto id = idOf(piece)) {
            out.push_back(*id);
            return;
        }
    constexpr std::size_t kCutAbove = 64; // short pieces are whole words already
    if (safeCut_.empty() || piece.size() <= kCutAbove)
        return tokenizeWord(piece, out, cache);
    std::size_t wordStart = 0;
    char32_t previous = 0;
    for (std::size_t at = 0; at < piece.size();) {
        const auto here = at;
        const char32_t c = nextCodePoint(piece, at);
        if (here > wordStart && c != previous && safeCut_[c]) {
            tokenizeWord(piece.substr(wordStart, here - wordStart), out, cache);
            wordStart = here;
        }
        previous = c;
    }
    tokenizeWord(piece.substr(wordStart), out, cache);
}

void BpeModel::tokenizeWord(std::string_view word, std::vector<TokenId>& out, WordCache& cache) const
{
    constexpr std::size_t kCachedUpTo = 256; // bytes; longer words are rare and merged each time
    std::size_t count = 0;
    if (const auto* ids = cache.find(word, count)) {
        // Words are a few tokens: a loop beats a memmove call per word.
        for (std::size_t i = 0; i < count; ++i)
            out.push_back(ids[i]);
        return;
    }
    const auto before = out.size();
    mergeWord(word, out);
    if (word.size() <= kCachedUpTo)
        cache.add(word, out.data() + before, out.size() - before);
}

namespace {

struct Symbol {
    TokenId id;
    int previous, next;
    bool removed;
};

struct Candidate {
    std::int32_t rank;
    int position;
    TokenId result;
};

// Lowest rank first, then leftmost (Hugging Face's Word::merge_all queue order).
bool lowerPriority(const Candidate& a, const Candidate& b)
{
    return a.rank != b.rank ? a.rank > b.rank : a.position > b.position;
}

} // namespace

void BpeModel::mergeWord(std::string_view word, std::vector<TokenId>& out) const
{
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<Candidate> queue;
    thread_local std::string scratch;
    symbols.clear();
    queue.clear();
    const auto add = [&](TokenId id) {
        const int n = int(symbols.size());
        if (n)
            symbols.back().next = n;
        symbols.push_back({id, n - 1, -1, false});
    };
    const auto unknownOrFail = [&] {
        if (!unknownId_)
            throwBadInput(source_, "unk_token " + quoteName(*options_.unknownToken) + " is not in the vocabulary");
        return *unknownId_;
    };

    // One symbol per character (or per byte with byte_fallback, or the unknown token).
    bool pendingUnknown = false;
    for (std::size_t at = 0; at < word.size();) {
        const auto begin = at;
        nextCodePoint(word, at);
        std::string_view character = word.substr(begin, at - begin);
        if ((begin > 0 && !options_.continuingSubwordPrefix.empty()) ||
            (at == word.size() && !options_.endOfWordSuffix.empty())) {
            scratch.assign(begin > 0 ? options_.continuingSubwordPrefix : std::string());
            scratch.append(character);
            if (at == word.size())
                scratch += options_.endOfWordSuffix;
            character = scratch;
        }
        if (const auto id = idOf(character)) {
            if (pendingUnknown)
                add(unknownOrFail());
            pendingUnknown = false;
            add(*id);
            continue;
        }
        if (options_.byteFallback &&
            std::all_of(character.begin(), character.end(),
                        [&](char c) { return byteTokens_[static_cast<unsigned char>(c)].has_value(); })) {
            // A pending unknown stays pending across byte tokens, as in Hugging Face.
            for (const char c : character)
                add(*byteTokens_[static_cast<unsigned char>(c)]);
            continue;
        }
        if (!options_.unknownToken)
            continue; // no unk_token: the character is dropped
        if (pendingUnknown && !options_.fuseUnknown)
            add(unknownOrFail());
        pendingUnknown = true;
    }
    if (pendingUnknown)
        add(unknownOrFail());

    const auto lookup = [&](int position) -> const Merge* {
        const auto& s = symbols[std::size_t(position)];
        if (s.next < 0)
            return nullptr;
        const auto found = merges_.find(pairKey(s.id, symbols[std::size_t(s.next)].id));
        return found == merges_.end() ? nullptr : &found->second;
    };
    const auto push = [&](int position) {
        if (const auto* m = lookup(position)) {
            queue.push_back({m->rank, position, m->result});
            std::push_heap(queue.begin(), queue.end(), lowerPriority);
        }
    };
    for (int i = 0; i + 1 < int(symbols.size()); ++i)
        if (const auto* m = lookup(i))
            queue.push_back({m->rank, i, m->result});
    std::make_heap(queue.begin(), queue.end(), lowerPriority);

    while (!queue.empty()) {
        std::pop_heap(queue.begin(), queue.end(), lowerPriority);
        const auto top = queue.back();
        queue.pop_back();
        auto& current = symbols[std::size_t(top.position)];
        if (current.removed || current.next < 0)
            continue;
        // A stale entry: the pair here changed since it was queued.
        const auto* now = lookup(top.position);
        if (!now || now->result != top.result)
            continue;
        auto& right = symbols[std::size_t(current.next)];
        current.id = top.result;
        right.removed = true;
        current.next = right.next;
        if (right.next >= 0)
            symbols[std::size_t(right.next)].previous = top.position;
        if (current.previous >= 0)
            push(current.previous);
        push(top.position);
    }
    for (const auto& s : symbols)
        if (!s.removed)
            out.push_back(s.id);
}

} // namespace loftq::tokenize
