#include "decoders.hpp"

#include "byte_level.hpp"
#include "text_pattern.hpp"
#include "utf8.hpp"

#include "loftq/tokenizer.hpp"

namespace loftq::tokenize {
namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

std::string lossyUtf8(std::string_view bytes)
{
    std::string out;
    replaceInvalidUtf8(bytes, out);
    return out;
}

// Characters of the byte-level alphabet back to bytes; a token with any other character keeps its
// own bytes. The whole result is one string, invalid UTF-8 replaced.
class ByteLevel final : public Decoder {
public:
    void decode(std::vector<std::string>& tokens) const override
    {
        std::string bytes;
        for (const auto& token : tokens) {
            std::string mapped;
            bool allMapped = true;
            for (std::size_t at = 0; at < token.size() && allMapped;) {
                const int b = byteOfByteLevelCharacter(nextCodePoint(token, at));
                allMapped = b >= 0;
                mapped += char(b);
            }
            bytes += allMapped ? mapped : token;
        }
        tokens.assign(1, lossyUtf8(bytes));
    }
};

class Replace final : public Decoder {
public:
    explicit Replace(const Spec& spec) : pattern_(readTextPattern(spec["pattern"])), content_(spec.string("content")) {}
    void decode(std::vector<std::string>& tokens) const override
    {
        for (auto& token : tokens)
            token = replaceAll(pattern_, token, content_);
    }

private:
    Regex pattern_;
    std::string content_;
};

// Runs of <0xNN> tokens become their bytes when those are valid UTF-8, else one U+FFFD per byte.
class ByteFallback final : public Decoder {
public:
    void decode(std::vector<std::string>& tokens) const override
    {
        std::vector<std::string> out;
        std::string bytes;
        std::size_t byteCount = 0;
        const auto flush = [&] {
            if (byteCount == 0)
                return;
            std::string repaired;
            if (replaceInvalidUtf8(bytes, repaired).sequences == 0)
                out.push_back(bytes);
            else
                for (std::size_t i = 0; i < byteCount; ++i)
                    out.emplace_back(kReplacementCharacter);
            bytes.clear();
            byteCount = 0;
        };
        for (auto& token : tokens) {
            if (const int b = byteOf(token); b >= 0) {
                bytes += char(b);
                ++byteCount;
                continue;
            }
            flush();
            out.push_back(std::move(token));
        }
        flush();
        tokens = std::move(out);
    }

private:
    static int byteOf(std::string_view token)
    {
        if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>')
            return -1;
        int value = 0;
        for (const char c : token.substr(3, 2)) {
            const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
            if (digit < 0)
                return -1;
            value = value * 16 + digit;
        }
        return value;
    }
};

class Fuse final : public Decoder {
public:
    void decode(std::vector<std::string>& tokens) const override
    {
        std::string joined;
        for (const auto& token : tokens)
            joined += token;
        tokens.assign(1, std::move(joined));
    }
};

// Up to `start` leading and `stop` trailing copies of one character removed from every token.
class Strip final : public Decoder {
public:
    explicit Strip(const Spec& spec)
        : content_(spec.string("content")), start_(std::size_t(spec.integer("start", 0, 1 << 20))),
          stop_(std::size_t(spec.integer("stop", 0, 1 << 20)))
    {
        if (codePointCount(content_) != 1)
            spec["content"].fail("must be one character");
    }
    void decode(std::vector<std::string>& tokens) const override
    {
        for (auto& token : tokens) {
            std::size_t begin = 0, end = token.size();
            for (std::size_t i = 0; i < start_ && token.compare(begin, content_.size(), content_) == 0 && begin < end; ++i)
                begin += content_.size();
            for (std::size_t i = 0; i < stop_ && end - begin >= content_.size() &&
                                    token.compare(end - content_.size(), content_.size(), content_) == 0;
                 ++i)
                end -= content_.size();
            token = token.substr(begin, end - begin);
        }
    }

private:
    std::string content_;
    std::size_t start_, stop_;
};

// ▁ back to spaces; in the first token (when a prefix was prepended) every ▁ is dropped instead,
// as Hugging Face's Metaspace decoder does.
class Metaspace final : public Decoder {
public:
    explicit Metaspace(const Spec& spec)
        : replacement_(spec.stringOr("replacement", "\xE2\x96\x81")),
          dropInFirst_(spec.stringOr("prepend_scheme", spec.boolean("add_prefix_space", true) ? "always" : "never") != "never")
    {
        if (codePointCount(replacement_) != 1)
            spec["replacement"].fail("must be one character");
    }
    void decode(std::vector<std::string>& tokens) const override
    {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            for (std::size_t at = 0; at < tokens[i].size();) {
                if (tokens[i].compare(at, replacement_.size(), replacement_) == 0) {
                    if (i > 0 || !dropInFirst_)
                        out += ' ';
                    at += replacement_.size();
                } else
                    out += tokens[i][at++];
            }
            tokens[i] = std::move(out);
        }
    }

private:
    std::string replacement_;
    bool dropInFirst_;
};

class Sequence final : public Decoder {
public:
    explicit Sequence(const Spec& spec)
    {
        const auto list = spec["decoders"];
        for (std::size_t i = 0; i < list.size(); ++i)
            steps_.push_back(makeDecoder(list[i]));
    }
    void decode(std::vector<std::string>& tokens) const override
    {
        for (const auto& step : steps_)
            step->decode(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> steps_;
};

} // namespace

std::unique_ptr<Decoder> makeDecoder(const Spec& spec)
{
    static const ComponentTable<Decoder> table(
        "decoder", {
                       {"ByteLevel", [](const Spec&) { return std::make_unique<ByteLevel>(); }},
                       {"Metaspace", [](const Spec& s) { return std::make_unique<Metaspace>(s); }},
                       {"Replace", [](const Spec& s) { return std::make_unique<Replace>(s); }},
                       {"ByteFallback", [](const Spec&) { return std::make_unique<ByteFallback>(); }},
                       {"Fuse", [](const Spec&) { return std::make_unique<Fuse>(); }},
                       {"Strip", [](const Spec& s) { return std::make_unique<Strip>(s); }},
                       {"Sequence", [](const Spec& s) { return std::make_unique<Sequence>(s); }},
                   });
    return table.make(spec);
}

std::unique_ptr<Decoder> makeByteLevelDecoder() { return std::make_unique<ByteLevel>(); }

} // namespace loftq::tokenize
