#pragma once
// UTF-8 walking for the tokenizer pipeline. Text reaching the pipeline is well-formed (see
// replaceInvalidUtf8 in loftq/tokenizer.hpp), so these helpers do not re-check it.
#include <cstddef>
#include <string>
#include <string_view>

namespace loftq::tokenize {

// Bytes in the sequence that starts with this lead byte (1 for anything that is not a lead byte).
inline std::size_t utf8SequenceLength(unsigned char lead)
{
    return lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

// The code point at text[at], advancing at past it.
char32_t nextCodePoint(std::string_view text, std::size_t& at);
void appendUtf8(std::string& out, char32_t codePoint);
std::size_t codePointCount(std::string_view text);

} // namespace loftq::tokenize
