#pragma once
// tokenizer.json "pre_tokenizer": cuts normalized text into the pieces the model sees one at a time.
#include "component_spec.hpp"
#include "pieces.hpp"

namespace loftq::tokenize {

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    virtual void apply(Pieces& pieces) const = 0;
};

// Split, ByteLevel, Metaspace, Digits and Sequence; any other type is refused by name.
std::unique_ptr<PreTokenizer> makePreTokenizer(const Spec& spec);
// ByteLevel as GPT-2's two-file form uses it (no prefix space, GPT-2's pattern).
std::unique_ptr<PreTokenizer> makeGpt2ByteLevel();

} // namespace loftq::tokenize
