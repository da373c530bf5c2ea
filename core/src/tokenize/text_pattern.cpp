#include "text_pattern.hpp"

#include <stdexcept>

namespace loftq::tokenize {

Regex readTextPattern(const Spec& pattern)
{
    const bool literal = pattern.has("String");
    if (!literal && !pattern.has("Regex"))
        pattern.fail("must be {\"String\": ...} or {\"Regex\": ...}");
    const auto text = pattern.string(literal ? "String" : "Regex");
    try {
        return Regex(text, literal);
    } catch (const std::invalid_argument& e) {
        pattern.fail(e.what());
    }
}

std::string replaceAll(const Regex& pattern, std::string_view text, std::string_view content)
{
    std::vector<Range> matches;
    pattern.findAll(text, matches);
    if (matches.empty())
        return std::string(text);
    std::string out;
    out.reserve(text.size() + matches.size() * content.size());
    std::uint32_t previous = 0;
    for (const auto& m : matches) {
        out.append(text.substr(previous, m.begin - previous));
        out.append(content);
        previous = m.end;
    }
    out.append(text.substr(previous));
    return out;
}

} // namespace loftq::tokenize
