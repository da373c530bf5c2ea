#pragma once
// A Hugging Face tokenizer as its parts: added tokens, normalizer, pre-tokenizer, BPE model,
// post-processor, decoder (each may be absent except the model).
#include "added_tokens.hpp"
#include "bpe_model.hpp"
#include "decoders.hpp"
#include "normalizers.hpp"
#include "post_processors.hpp"
#include "pre_tokenizers.hpp"

namespace loftq::tokenize {

struct Pipeline {
    std::unique_ptr<Normalizer> normalizer;
    std::unique_ptr<PreTokenizer> preTokenizer;
    std::unique_ptr<BpeModel> model;
    std::unique_ptr<AddedVocabulary> addedTokens;
    std::unique_ptr<PostProcessor> postProcessor;
    std::unique_ptr<Decoder> decoder;
};

class PipelineTokenizer final : public Tokenizer {
public:
    PipelineTokenizer(Pipeline pipeline, std::string source);
    std::vector<TokenId> encode(std::string_view text, bool addSpecialTokens) const override;
    // As Hugging Face's decode with its default skip_special_tokens=True.
    std::string decode(const std::vector<TokenId>& ids) const override;
    std::size_t vocabularySize() const override;
    std::string source() const override { return source_; }
    std::vector<TokenId> leadingSpecialTokens() const override;

private:
    void encodeNormalized(std::string_view text, bool startsText, std::vector<TokenId>& ids, WordCache& cache) const;

    Pipeline p_;
    std::string source_;
};

} // namespace loftq::tokenize
