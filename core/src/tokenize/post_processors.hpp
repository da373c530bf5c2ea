#pragma once
// tokenizer.json "post_processor": what add_special_tokens adds around the ids (a BOS, ...).
#include "component_spec.hpp"
#include "loftq/tokenizer.hpp"

namespace loftq::tokenize {

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    // Called only for add_special_tokens; a single sequence (no pairs).
    virtual void addSpecialTokens(std::vector<TokenId>& ids) const = 0;
    virtual std::vector<TokenId> leadingIds() const = 0;
};

// TemplateProcessing, ByteLevel (ids unchanged) and Sequence; any other type is refused by name.
std::unique_ptr<PostProcessor> makePostProcessor(const Spec& spec);

} // namespace loftq::tokenize
