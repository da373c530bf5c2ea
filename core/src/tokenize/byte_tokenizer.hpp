#pragma once
#include "loftq/tokenizer.hpp"

namespace loftq {

// Models with a 256-entry vocabulary and no tokenizer file (the project's byte-level test models):
// token id = byte value, no special tokens.
class ByteTokenizer final : public Tokenizer {
public:
    explicit ByteTokenizer(std::string source) : source_(std::move(source)) {}
    std::vector<TokenId> encode(std::string_view text, bool addSpecialTokens) const override;
    std::string decode(const std::vector<TokenId>& ids) const override;
    std::size_t vocabularySize() const override { return 256; }
    std::string source() const override { return source_; }

private:
    std::string source_;
};

} // namespace loftq
