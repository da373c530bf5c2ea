#pragma once
// The pre-tokenized text: one buffer and the pieces cut from it. Splitting only makes new spans;
// rewriting (ByteLevel's byte map, Metaspace's ▁) builds a new buffer in one pass.
#include "pcre_regex.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loftq::tokenize {

struct Span {
    std::uint32_t begin, end;
    bool startsText; // begins at the start of the user's text (Metaspace's prepend_scheme "first")
};

struct Pieces {
    std::string text;
    std::vector<Span> spans;
    std::string_view view(const Span& s) const { return std::string_view(text).substr(s.begin, s.end - s.begin); }
};

// How a split treats what it matched (Hugging Face's SplitDelimiterBehavior).
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };
std::optional<SplitBehavior> parseSplitBehavior(std::string_view name);

// Cuts every piece at the matches findMatches(piece, out) reports (ranges relative to the piece),
// as Hugging Face does: invert swaps matches and gaps; empty pieces are dropped.
template <typename FindMatches>
void splitPieces(Pieces& pieces, SplitBehavior behavior, bool invert, FindMatches&& findMatches);

// The part of splitPieces that does not depend on the matcher.
void appendSplits(const Span& piece, const std::vector<Range>& matches, SplitBehavior behavior, bool invert,
                  std::vector<Span>& out);

template <typename FindMatches>
void splitPieces(Pieces& pieces, SplitBehavior behavior, bool invert, FindMatches&& findMatches)
{
    std::vector<Span> out;
    out.reserve(pieces.spans.size() * 2 + pieces.text.size() / 4);
    std::vector<Range> matches;
    for (const auto& piece : pieces.spans) {
        matches.clear();
        findMatches(pieces.view(piece), matches);
        appendSplits(piece, matches, behavior, invert, out);
    }
    pieces.spans = std::move(out);
}

// Rewrites every piece with rewrite(piece, out) (appending the new text to out), keeping the cuts.
template <typename Rewrite>
void rewritePieces(Pieces& pieces, Rewrite&& rewrite)
{
    std::string text;
    text.reserve(pieces.text.size() * 2 + 16); // the byte-level map at most doubles it
    for (auto& piece : pieces.spans) {
        const auto begin = std::uint32_t(text.size());
        rewrite(pieces.view(piece), piece, text);
        piece = {begin, std::uint32_t(text.size()), piece.startsText};
    }
    pieces.text = std::move(text);
}

} // namespace loftq::tokenize
