#include "byte_level.hpp"

#include "utf8.hpp"

#include <vector>

namespace loftq::tokenize {
namespace {

// bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the others take U+0100 onwards.
std::array<char32_t, 256> byteToCodePoint()
{
    std::array<char32_t, 256> map{};
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        map[std::size_t(b)] = printable ? char32_t(b) : next++;
    }
    return map;
}

} // namespace

const std::array<std::string, 256>& byteLevelCharacters()
{
    static const auto characters = [] {
        std::array<std::string, 256> out;
        const auto map = byteToCodePoint();
        for (std::size_t b = 0; b < 256; ++b)
            appendUtf8(out[b], map[b]);
        return out;
    }();
    return characters;
}

int byteOfByteLevelCharacter(char32_t character)
{
    static const auto inverse = [] {
        std::vector<int> table(512, -1); // every character of the alphabet is below U+0200
        const auto map = byteToCodePoint();
        for (std::size_t b = 0; b < 256; ++b)
            table[map[b]] = int(b);
        return table;
    }();
    return character < inverse.size() ? inverse[character] : -1;
}

} // namespace loftq::tokenize
