#include "added_tokens.hpp"

#include "normalizers.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <utf8proc.h>

namespace loftq::tokenize {
namespace {

// Rust regex's \s (Unicode White_Space).
bool isWhiteSpace(char32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Rust regex's \w: letters, marks, decimal digits, connector punctuation (and join controls).
bool isWordCharacter(char32_t c)
{
    if (c == 0x200C || c == 0x200D)
        return true;
    switch (utf8proc_category(utf8proc_int32_t(c))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC:
        return true;
    default:
        return false;
    }
}

char32_t lastCodePoint(std::string_view text)
{
    std::size_t at = text.size() - 1;
    while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80)
        --at;
    return nextCodePoint(text, at);
}

// Where the run of white space that ends text begins.
std::size_t trailingSpaceStart(std::string_view text)
{
    std::size_t end = text.size();
    while (end > 0) {
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
            --start;
        std::size_t at = start;
        if (!isWhiteSpace(nextCodePoint(text, at)))
            break;
        end = start;
    }
    return end;
}

// Bytes of the run of white space that starts text.
std::size_t leadingSpaceLength(std::string_view text)
{
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t next = at;
        if (!isWhiteSpace(nextCodePoint(text, next)))
            break;
        at = next;
    }
    return at;
}

} // namespace

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer) : tokens_(std::move(tokens))
{
    for (std::size_t i = 0; i < tokens_.size(); ++i) {
        auto& patterns = tokens_[i].normalized ? normalized_ : raw_;
        std::string text = tokens_[i].content;
        if (tokens_[i].normalized && normalizer)
            normalizer->normalize(text);
        if (text.empty())
            continue;
        patterns.firstByte[static_cast<unsigned char>(text[0])] = true;
        patterns.patterns.emplace_back(std::move(text), i);
    }
    for (auto* patterns : {&raw_, &normalized_})
        std::stable_sort(patterns->patterns.begin(), patterns->patterns.end(),
                         [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

void AddedVocabulary::split(std::string_view text, bool normalizedTokens, std::vector<Segment>& out) const
{
    const auto& patterns = normalizedTokens ? normalized_ : raw_;
    std::size_t start = 0; // where the text not yet given out begins
    for (std::size_t at = 0; at < text.size();) {
        if (!patterns.firstByte[static_cast<unsigned char>(text[at])]) {
            ++at;
            continue;
        }
        const auto found = std::find_if(patterns.patterns.begin(), patterns.patterns.end(),
                                        [&](const auto& p) { return text.substr(at).starts_with(p.first); });
        if (found == patterns.patterns.end()) {
            ++at;
            continue;
        }
        const auto& token = tokens_[found->second];
        std::size_t begin = at, end = at + found->first.size();
        at = end; // matches do not overlap, whether or not this one is kept
        if (token.singleWord) {
            const bool spaceBefore = begin == 0 || !isWordCharacter(lastCodePoint(text.substr(0, begin)));
            std::size_t next = end;
            const bool spaceAfter = end == text.size() || !isWordCharacter(nextCodePoint(text, next));
            if (!spaceBefore || !spaceAfter)
                continue;
        }
        if (token.lstrip)
            begin = std::max(trailingSpaceStart(text.substr(0, begin)), start);
        if (token.rstrip)
            end += leadingSpaceLength(text.substr(end));
        if (start < begin)
            out.push_back({start, begin, -1});
        out.push_back({begin, end, token.id});
        start = end;
    }
    if (start != text.size() || text.empty())
        out.push_back({start, text.size(), -1});
}

const AddedToken* AddedVocabulary::byId(TokenId id) const
{
    const auto found = std::find_if(tokens_.begin(), tokens_.end(), [&](const auto& t) { return t.id == id; });
    return found == tokens_.end() ? nullptr : &*found;
}

const AddedToken* AddedVocabulary::byContent(std::string_view content) const
{
    const auto found = std::find_if(tokens_.begin(), tokens_.end(), [&](const auto& t) { return t.content == content; });
    return found == tokens_.end() ? nullptr : &*found;
}

TokenId AddedVocabulary::largestId() const
{
    TokenId largest = -1;
    for (const auto& t : tokens_)
        largest = std::max(largest, t.id);
    return largest;
}

} // namespace loftq::tokenize
