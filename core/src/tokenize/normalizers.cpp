#include "normalizers.hpp"

#include "pcre_regex.hpp"
#include "text_pattern.hpp"

#include <cstdlib>
#include <utf8proc.h>

namespace loftq::tokenize {
namespace {

// Unicode normalization form C from utf8proc (the Unicode tables are the library's, not ours).
class Nfc final : public Normalizer {
public:
    void normalize(std::string& text) const override
    {
        // Only stretches with non-ASCII characters go to the library, each with the ASCII character
        // before it (e + U+0301 composes). A cut before an ASCII character is always safe: ASCII
        // characters are starters that never compose with what precedes them.
        const auto isAscii = [&](std::size_t i) { return static_cast<unsigned char>(text[i]) < 0x80; };
        std::size_t at = 0;
        while (at < text.size() && isAscii(at))
            ++at;
        if (at == text.size())
            return;
        std::string out;
        out.reserve(text.size() + 16);
        std::size_t copied = 0;
        while (at < text.size()) {
            const std::size_t begin = at > copied ? at - 1 : at;
            std::size_t end = at;
            while (end < text.size() && !isAscii(end))
                ++end;
            out.append(text, copied, begin - copied);
            appendNfc(std::string_view(text).substr(begin, end - begin), out);
            copied = at = end;
            while (at < text.size() && isAscii(at))
                ++at;
        }
        out.append(text, copied, std::string::npos);
        text = std::move(out);
    }

private:
    static void appendNfc(std::string_view text, std::string& out)
    {
        utf8proc_uint8_t* result = nullptr;
        const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                         utf8proc_ssize_t(text.size()), &result,
                                         utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
        if (length < 0)
            throw std::runtime_error(std::string("NFC normalization failed: ") + utf8proc_errmsg(length));
        out.append(reinterpret_cast<const char*>(result), std::size_t(length));
        std::free(result);
    }
};

class Prepend final : public Normalizer {
public:
    explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
    void normalize(std::string& text) const override
    {
        if (!text.empty())
            text.insert(0, prefix_);
    }

private:
    std::string prefix_;
};

class Replace final : public Normalizer {
public:
    explicit Replace(const Spec& spec) : pattern_(readTextPattern(spec["pattern"])), content_(spec.string("content")) {}
    void normalize(std::string& text) const override { text = replaceAll(pattern_, text, content_); }

private:
    Regex pattern_;
    std::string content_;
};

class Sequence final : public Normalizer {
public:
    explicit Sequence(const Spec& spec)
    {
        const auto list = spec["normalizers"];
        for (std::size_t i = 0; i < list.size(); ++i)
            steps_.push_back(makeNormalizer(list[i]));
    }
    void normalize(std::string& text) const override
    {
        for (const auto& step : steps_)
            step->normalize(text);
    }

private:
    std::vector<std::unique_ptr<Normalizer>> steps_;
};

} // namespace

std::unique_ptr<Normalizer> makeNormalizer(const Spec& spec)
{
    static const ComponentTable<Normalizer> table(
        "normalizer", {
                          {"NFC", [](const Spec&) { return std::make_unique<Nfc>(); }},
                          {"Prepend", [](const Spec& s) { return std::make_unique<Prepend>(s.string("prepend")); }},
                          {"Replace", [](const Spec& s) { return std::make_unique<Replace>(s); }},
                          {"Sequence", [](const Spec& s) { return std::make_unique<Sequence>(s); }},
                      });
    return table.make(spec);
}

} // namespace loftq::tokenize
