#include "loftq/errors.hpp"

namespace loftq {
namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs, no
// surrogates, nothing past U+10FFFF), or 0 when the byte there does not start one.
std::size_t utf8SequenceLength(std::string_view s, std::size_t i)
{
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    const unsigned char c = byte(0);
    std::size_t n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n == 0 || i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k)
        if ((byte(k) & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && byte(1) < 0xa0) || (c == 0xed && byte(1) > 0x9f) || (c == 0xf0 && byte(1) < 0x90) ||
        (c == 0xf4 && byte(1) > 0x8f))
        return 0;
    return n;
}

void appendEscaped(std::string& out, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 0xf];
}

} // namespace

bool isValidUtf8(std::string_view s)
{
    for (std::size_t i = 0; i < s.size();) {
        const auto n = utf8SequenceLength(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string oneLineMessage(std::string_view message)
{
    constexpr std::size_t kMaxLength = 4000;
    std::string out;
    for (std::size_t i = 0; i < message.size();) {
        if (out.size() >= kMaxLength) {
            out += "...";
            break;
        }
        const auto c = static_cast<unsigned char>(message[i]);
        const auto n = utf8SequenceLength(message, i);
        if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (n == 0 || c < 0x20 || c == 0x7f)
            appendEscaped(out, c);
        else
            out.append(message.substr(i, n));
        i += n == 0 ? 1 : n;
    }
    return out;
}

std::string quoteName(std::string_view name)
{
    constexpr std::size_t kMaxName = 200;
    std::string out = "'";
    if (name.size() <= kMaxName) {
        out.append(name);
        out += '\'';
        return out;
    }
    std::size_t cut = kMaxName;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80)
        --cut; // do not split a UTF-8 sequence
    out.append(name.substr(0, cut));
    out += "...' (";
    out += std::to_string(name.size());
    out += " bytes)";
    return out;
}

int exitStatusFor(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::BadInput: return 2;
    case ErrorKind::Runtime: return 1;
    case ErrorKind::Cancelled: return 130;
    }
    return 1;
}

} // namespace loftq
