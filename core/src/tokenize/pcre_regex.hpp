#pragma once
// PCRE2 (UTF + UCP, JIT-compiled) for the Split and ByteLevel patterns: \p{L}, \p{N} and lookahead
// as Hugging Face's Oniguruma reads them.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loftq::tokenize {

struct Range {
    std::uint32_t begin, end;
};

class Regex {
public:
    // literal: match pattern as plain text (a Split or Replace given a "String").
    // Throws std::invalid_argument with PCRE2's message when the pattern does not compile.
    Regex(std::string_view pattern, bool literal);
    // Non-overlapping matches in subject, left to right, appended to out (offsets into subject).
    // An empty match is skipped (Hugging Face's splits drop empty pieces).
    void findAll(std::string_view subject, std::vector<Range>& out) const;

private:
    struct Compiled;
    std::shared_ptr<const Compiled> compiled_;
};

} // namespace loftq::tokenize
