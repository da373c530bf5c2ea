#pragma once
// tokenizer.json "decoder": tokens back to text (Hugging Face's decode_chain, then joined).
#include "component_spec.hpp"

namespace loftq::tokenize {

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void decode(std::vector<std::string>& tokens) const = 0;
};

// ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip and Sequence; others refused by name.
std::unique_ptr<Decoder> makeDecoder(const Spec& spec);
std::unique_ptr<Decoder> makeByteLevelDecoder();

} // namespace loftq::tokenize
