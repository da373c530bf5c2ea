#include "pre_tokenizers.hpp"

#include "byte_level.hpp"
#include "text_pattern.hpp"
#include "utf8.hpp"

#include <utf8proc.h>

namespace loftq::tokenize {
namespace {

SplitBehavior readBehavior(const Spec& spec)
{
    const auto name = spec.string("behavior");
    const auto behavior = parseSplitBehavior(name);
    if (!behavior)
        spec["behavior"].fail(quoteName(name) + " is not a split behavior (Removed, Isolated, MergedWithPrevious, "
                                                "MergedWithNext, Contiguous)");
    return *behavior;
}

// Every character for which isMatch holds is a match of its own (Hugging Face's char patterns).
template <typename Predicate>
auto characterMatches(Predicate isMatch)
{
    return [isMatch](std::string_view piece, std::vector<Range>& out) {
        for (std::size_t at = 0; at < piece.size();) {
            const auto begin = at;
            if (isMatch(nextCodePoint(piece, at)))
                out.push_back({std::uint32_t(begin), std::uint32_t(at)});
        }
    };
}

class Split final : public PreTokenizer {
public:
    explicit Split(const Spec& spec)
        : pattern_(readTextPattern(spec["pattern"])), behavior_(readBehavior(spec)), invert_(spec.boolean("invert", false))
    {
    }
    void apply(Pieces& pieces) const override
    {
        splitPieces(pieces, behavior_, invert_,
                    [this](std::string_view piece, std::vector<Range>& out) { pattern_.findAll(piece, out); });
    }

private:
    Regex pattern_;
    SplitBehavior behavior_;
    bool invert_;
};

class ByteLevel final : public PreTokenizer {
public:
    ByteLevel(bool addPrefixSpace, bool useRegex)
        : addPrefixSpace_(addPrefixSpace), pattern_(useRegex ? std::optional(Regex(kGpt2Pattern, false)) : std::nullopt)
    {
    }
    void apply(Pieces& pieces) const override
    {
        if (addPrefixSpace_)
            rewritePieces(pieces, [](std::string_view piece, const Span&, std::string& out) {
                if (!piece.starts_with(' '))
                    out += ' ';
                out.append(piece);
            });
        if (pattern_)
            splitPieces(pieces, SplitBehavior::Isolated, false,
                        [this](std::string_view piece, std::vector<Range>& out) { pattern_->findAll(piece, out); });
        const auto& characters = byteLevelCharacters();
        rewritePieces(pieces, [&](std::string_view piece, const Span&, std::string& out) {
            // Every character of the alphabet is one or two bytes: write them without a call each.
            auto at = out.size();
            out.resize(at + 2 * piece.size());
            for (const char c : piece) {
                const auto& mapped = characters[static_cast<unsigned char>(c)];
                out[at] = mapped[0];
                if (mapped.size() == 2)
                    out[++at] = mapped[1];
                ++at;
            }
            out.resize(at);
        });
    }

private:
    bool addPrefixSpace_;
    std::optional<Regex> pattern_;
};

class Metaspace final : public PreTokenizer {
public:
    explicit Metaspace(const Spec& spec) : replacement_(spec.stringOr("replacement", "\xE2\x96\x81"))
    {
        if (codePointCount(replacement_) != 1)
            spec["replacement"].fail("must be one character");
        // Files from before prepend_scheme say add_prefix_space instead.
        const auto scheme = spec.stringOr("prepend_scheme", spec.boolean("add_prefix_space", true) ? "always" : "never");
        if (scheme != "always" && scheme != "first" && scheme != "never")
            spec["prepend_scheme"].fail(quoteName(scheme) + " is not a prepend scheme (always, first, never)");
        prependAlways_ = scheme == "always";
        prependFirst_ = scheme == "first";
        split_ = spec.boolean("split", true);
    }
    void apply(Pieces& pieces) const override
    {
        rewritePieces(pieces, [this](std::string_view piece, const Span& span, std::string& out) {
            if (!piece.starts_with(replacement_) && !piece.starts_with(' ') &&
                (prependAlways_ || (prependFirst_ && span.startsText)))
                out += replacement_;
            for (const char c : piece) {
                if (c == ' ')
                    out += replacement_;
                else
                    out += c;
            }
        });
        if (split_)
            splitPieces(pieces, SplitBehavior::MergedWithNext, false,
                        [this](std::string_view piece, std::vector<Range>& out) {
                            for (auto at = piece.find(replacement_); at != std::string_view::npos;
                                 at = piece.find(replacement_, at + replacement_.size()))
                                out.push_back({std::uint32_t(at), std::uint32_t(at + replacement_.size())});
                        });
    }

private:
    std::string replacement_;
    bool prependAlways_ = false, prependFirst_ = false, split_ = true;
};

class Digits final : public PreTokenizer {
public:
    explicit Digits(bool individual) : individual_(individual) {}
    void apply(Pieces& pieces) const override
    {
        // Rust's char::is_numeric: general categories Nd, Nl and No.
        const auto numeric = characterMatches([](char32_t c) {
            const auto category = utf8proc_category(utf8proc_int32_t(c));
            return category == UTF8PROC_CATEGORY_ND || category == UTF8PROC_CATEGORY_NL || category == UTF8PROC_CATEGORY_NO;
        });
        splitPieces(pieces, individual_ ? SplitBehavior::Isolated : SplitBehavior::Contiguous, false, numeric);
    }

private:
    bool individual_;
};

class Sequence final : public PreTokenizer {
public:
    explicit Sequence(const Spec& spec)
    {
        const auto list = spec["pretokenizers"];
        for (std::size_t i = 0; i < list.size(); ++i)
            steps_.push_back(makePreTokenizer(list[i]));
    }
    void apply(Pieces& pieces) const override
    {
        for (const auto& step : steps_)
            step->apply(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

} // namespace

std::unique_ptr<PreTokenizer> makePreTokenizer(const Spec& spec)
{
    static const ComponentTable<PreTokenizer> table(
        "pre_tokenizer",
        {
            {"Split", [](const Spec& s) { return std::make_unique<Split>(s); }},
            {"ByteLevel",
             [](const Spec& s) {
                 return std::make_unique<ByteLevel>(s.boolean("add_prefix_space", true), s.boolean("use_regex", true));
             }},
            {"Metaspace", [](const Spec& s) { return std::make_unique<Metaspace>(s); }},
            {"Digits", [](const Spec& s) { return std::make_unique<Digits>(s.boolean("individual_digits", false)); }},
            {"Sequence", [](const Spec& s) { return std::make_unique<Sequence>(s); }},
        });
    return table.make(spec);
}

std::unique_ptr<PreTokenizer> makeGpt2ByteLevel() { return std::make_unique<ByteLevel>(false, true); }

} // namespace loftq::tokenize
