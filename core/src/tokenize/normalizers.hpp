#pragma once
// tokenizer.json "normalizer": rewrites each stretch of text between added tokens before it is split.
#include "component_spec.hpp"

namespace loftq::tokenize {

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string& text) const = 0;
};

// NFC, Prepend, Replace and Sequence; any other type is refused by name.
std::unique_ptr<Normalizer> makeNormalizer(const Spec& spec);

} // namespace loftq::tokenize
