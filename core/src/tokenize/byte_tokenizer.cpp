#include "byte_tokenizer.hpp"

#include "loftq/errors.hpp"

namespace loftq {

std::vector<TokenId> ByteTokenizer::encode(std::string_view text, bool) const
{
    std::vector<TokenId> ids;
    ids.reserve(text.size());
    for (const char c : text)
        ids.push_back(static_cast<unsigned char>(c));
    return ids;
}

std::string ByteTokenizer::decode(const std::vector<TokenId>& ids) const
{
    std::string text;
    text.reserve(ids.size());
    for (const TokenId id : ids) {
        if (id < 0 || id > 255)
            throwBadInput(source_, "token id " + std::to_string(id) + " is not a byte (vocabulary of 256)");
        text += static_cast<char>(id);
    }
    return text;
}

} // namespace loftq
