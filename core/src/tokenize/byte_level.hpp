#pragma once
// GPT-2's byte-level alphabet: every byte shown as a printable character (space -> "Ġ", newline
// -> "Ċ"), so a byte-level vocabulary holds any text.
#include <array>
#include <string>
#include <string_view>

namespace loftq::tokenize {

// The UTF-8 of the character byte b stands for.
const std::array<std::string, 256>& byteLevelCharacters();
// The byte a character stands for, or -1 when it is not one of the 256.
int byteOfByteLevelCharacter(char32_t character);
// GPT-2's pre-tokenizing pattern (ByteLevel with use_regex).
inline constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

} // namespace loftq::tokenize
