#include "pieces.hpp"

#include <map>

namespace loftq::tokenize {

std::optional<SplitBehavior> parseSplitBehavior(std::string_view name)
{
    static const std::map<std::string_view, SplitBehavior> names{
        {"Removed", SplitBehavior::Removed},
        {"Isolated", SplitBehavior::Isolated},
        {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
        {"MergedWithNext", SplitBehavior::MergedWithNext},
        {"Contiguous", SplitBehavior::Contiguous},
    };
    const auto found = names.find(name);
    return found == names.end() ? std::nullopt : std::optional(found->second);
}

namespace {

struct Marked {
    std::uint32_t begin, end;
    bool isMatch;
};

// Matches and the gaps between them, covering the piece (Pattern::find_matches).
std::vector<Marked> markPiece(std::uint32_t length, const std::vector<Range>& matches, bool invert)
{
    std::vector<Marked> marked;
    marked.reserve(matches.size() * 2 + 1);
    std::uint32_t previous = 0;
    for (const auto& m : matches) {
        if (previous != m.begin)
            marked.push_back({previous, m.begin, invert});
        marked.push_back({m.begin, m.end, !invert});
        previous = m.end;
    }
    if (previous != length || marked.empty())
        marked.push_back({previous, length, invert});
    return marked;
}

// The pieces a behavior keeps, in order (NormalizedString::split). Flags mark pieces to remove.
std::vector<Marked> applyBehavior(const std::vector<Marked>& marked, SplitBehavior behavior)
{
    std::vector<Marked> kept;
    kept.reserve(marked.size());
    bool previousMatch = false;
    switch (behavior) {
    case SplitBehavior::Removed:
        return marked;
    case SplitBehavior::Isolated: // handled by appendSplits directly
    case SplitBehavior::Contiguous:
        for (const auto& m : marked) {
            if (m.isMatch == previousMatch && !kept.empty())
                kept.back().end = m.end;
            else
                kept.push_back({m.begin, m.end, false});
            previousMatch = m.isMatch;
        }
        return kept;
    case SplitBehavior::MergedWithPrevious:
        for (const auto& m : marked) {
            if (m.isMatch && !previousMatch && !kept.empty())
                kept.back().end = m.end;
            else
                kept.push_back({m.begin, m.end, false});
            previousMatch = m.isMatch;
        }
        return kept;
    case SplitBehavior::MergedWithNext:
        for (auto m = marked.rbegin(); m != marked.rend(); ++m) {
            if (m->isMatch && !previousMatch && !kept.empty())
                kept.back().begin = m->begin;
            else
                kept.push_back({m->begin, m->end, false});
            previousMatch = m->isMatch;
        }
        return {kept.rbegin(), kept.rend()};
    }
    return kept;
}

} // namespace

void appendSplits(const Span& piece, const std::vector<Range>& matches, SplitBehavior behavior, bool invert,
                  std::vector<Span>& out)
{
    const auto length = piece.end - piece.begin;
    const auto keep = [&](std::uint32_t begin, std::uint32_t end) {
        if (begin != end)
            out.push_back({piece.begin + begin, piece.begin + end, piece.startsText && begin == 0});
    };
    // The common cases, straight to the output: nothing matched (the piece stays whole), or
    // Isolated (matches and gaps alike become pieces).
    if (matches.empty() && !invert)
        return keep(0, length);
    if (behavior == SplitBehavior::Isolated) {
        std::uint32_t previous = 0;
        for (const auto& m : matches) {
            keep(previous, m.begin);
            keep(m.begin, m.end);
            previous = m.end;
        }
        return keep(previous, length);
    }
    for (const auto& m : applyBehavior(markPiece(length, matches, invert), behavior))
        if (!m.isMatch)
            keep(m.begin, m.end);
}

} // namespace loftq::tokenize
