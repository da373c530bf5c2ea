// tokenizer.model: a SentencePiece model, read and run by Debian's libsentencepiece (the library
// is the reference for its own format). add_special_tokens puts the model's BOS first, as
// transformers' Llama tokenizer does.
#include "tokenizer_loaders.hpp"

#include "loftq/errors.hpp"

#include <sentencepiece_processor.h>

namespace loftq::tokenize {
namespace {

class SentencePieceTokenizer final : public Tokenizer {
public:
    explicit SentencePieceTokenizer(const std::filesystem::path& path) : source_(path.string())
    {
        const auto status = processor_.LoadFromSerializedProto(readWholeFile(path));
        if (!status.ok())
            throwBadInput(source_, "not a SentencePiece model (" + status.ToString() + ")");
    }
    std::vector<TokenId> encode(std::string_view input, bool addSpecialTokens) const override
    {
        std::string text;
        replaceInvalidUtf8(input, text);
        std::vector<int> ids;
        const auto status = processor_.Encode(text, &ids);
        if (!status.ok())
            throwBadInput(source_, "SentencePiece could not encode the text (" + status.ToString() + ")");
        auto out = leadingSpecialTokens();
        if (!addSpecialTokens)
            out.clear();
        out.insert(out.end(), ids.begin(), ids.end());
        return out;
    }
    std::string decode(const std::vector<TokenId>& ids) const override
    {
        for (const TokenId id : ids)
            if (id < 0 || std::size_t(id) >= vocabularySize())
                throwBadInput(source_, "token id " + std::to_string(id) + " is not in the vocabulary");
        std::string text;
        const auto status = processor_.Decode(std::vector<int>(ids.begin(), ids.end()), &text);
        if (!status.ok())
            throwBadInput(source_, "SentencePiece could not decode (" + status.ToString() + ")");
        return text;
    }
    std::size_t vocabularySize() const override { return std::size_t(processor_.GetPieceSize()); }
    std::string source() const override { return source_; }
    std::vector<TokenId> leadingSpecialTokens() const override
    {
        return processor_.bos_id() >= 0 ? std::vector<TokenId>{processor_.bos_id()} : std::vector<TokenId>{};
    }

private:
    sentencepiece::SentencePieceProcessor processor_;
    std::string source_;
};

} // namespace

std::unique_ptr<Tokenizer> loadSentencePiece(const std::filesystem::path& path)
{
    return std::make_unique<SentencePieceTokenizer>(path);
}

} // namespace loftq::tokenize
