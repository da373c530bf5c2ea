#include "utf8.hpp"

#include "loftq/tokenizer.hpp"

namespace loftq {
namespace tokenize {

char32_t nextCodePoint(std::string_view text, std::size_t& at)
{
    const auto b = [&](std::size_t k) { return char32_t(static_cast<unsigned char>(text[at + k])); };
    const std::size_t n = std::min(utf8SequenceLength(static_cast<unsigned char>(text[at])), text.size() - at);
    char32_t cp = n == 1 ? b(0) : n == 2 ? b(0) & 0x1F : n == 3 ? b(0) & 0x0F : b(0) & 0x07;
    for (std::size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (b(k) & 0x3F);
    at += n;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp)
{
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

std::size_t codePointCount(std::string_view text)
{
    std::size_t n = 0;
    for (const char c : text)
        n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

namespace {

// Bytes of the well-formed sequence at text[at] (Unicode table 3-7), or the length of its maximal
// ill-formed prefix as a negative number (at least one byte is always consumed).
long wellFormedLength(std::string_view text, std::size_t at)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[at + k]); };
    const unsigned char lead = byte(0);
    if (lead < 0x80)
        return 1;
    std::size_t need;
    unsigned char low = 0x80, high = 0xBF; // the range the second byte must be in
    if (lead >= 0xC2 && lead <= 0xDF)
        need = 1;
    else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else
        return -1;
    for (std::size_t k = 1; k <= need; ++k) {
        if (at + k >= text.size())
            return -long(k);
        const unsigned char c = byte(k);
        if (k == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF))
            return -long(k);
    }
    return long(need + 1);
}

} // namespace
} // namespace tokenize

InvalidUtf8 replaceInvalidUtf8(std::string_view text, std::string& out)
{
    InvalidUtf8 found;
    out.clear();
    out.reserve(text.size());
    std::size_t copiedUpTo = 0;
    for (std::size_t at = 0; at < text.size();) {
        if (static_cast<unsigned char>(text[at]) < 0x80) {
            ++at;
            continue;
        }
        const long n = tokenize::wellFormedLength(text, at);
        if (n > 0) {
            at += std::size_t(n);
            continue;
        }
        if (found.sequences++ == 0)
            found.firstOffset = at;
        out.append(text.substr(copiedUpTo, at - copiedUpTo));
        out += "\xEF\xBF\xBD";
        at += std::size_t(-n);
        copiedUpTo = at;
    }
    out.append(text.substr(copiedUpTo));
    return found;
}

} // namespace loftq
