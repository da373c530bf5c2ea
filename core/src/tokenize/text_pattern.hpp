#pragma once
// The {"String": ...} / {"Regex": ...} patterns of Split, Replace (normalizer and decoder).
#include "component_spec.hpp"
#include "pcre_regex.hpp"

namespace loftq::tokenize {

Regex readTextPattern(const Spec& pattern);
// Every non-overlapping match of pattern in text replaced by content.
std::string replaceAll(const Regex& pattern, std::string_view text, std::string_view content);

} // namespace loftq::tokenize
