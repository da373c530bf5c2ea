#include "pipeline_tokenizer.hpp"

#include "loftq/errors.hpp"

namespace loftq::tokenize {

PipelineTokenizer::PipelineTokenizer(Pipeline pipeline, std::string source) : p_(std::move(pipeline)), source_(std::move(source))
{
    if (!p_.addedTokens)
        p_.addedTokens = std::make_unique<AddedVocabulary>(std::vector<AddedToken>{}, p_.normalizer.get());
}

std::vector<TokenId> PipelineTokenizer::encode(std::string_view input, bool addSpecialTokens) const
{
    std::string repaired;
    replaceInvalidUtf8(input, repaired);
    const std::string_view text = repaired;
    std::vector<TokenId> ids;
    ids.reserve(text.size() / 3);
    WordCache cache;
    // Added tokens that are not normalized are found in the raw text; the rest of it is normalized,
    // then searched for normalized added tokens, then pre-tokenized and merged.
    std::vector<Segment> raw, normalizedSegments;
    p_.addedTokens->split(text, false, raw);
    std::string chunk;
    for (const auto& segment : raw) {
        if (segment.id >= 0) {
            ids.push_back(segment.id);
            continue;
        }
        chunk.assign(text.substr(segment.begin, segment.end - segment.begin));
        if (p_.normalizer)
            p_.normalizer->normalize(chunk);
        normalizedSegments.clear();
        p_.addedTokens->split(chunk, true, normalizedSegments);
        for (const auto& part : normalizedSegments) {
            if (part.id >= 0)
                ids.push_back(part.id);
            else
                encodeNormalized(std::string_view(chunk).substr(part.begin, part.end - part.begin),
                                 segment.begin == 0 && part.begin == 0, ids, cache);
        }
    }
    if (addSpecialTokens && p_.postProcessor)
        p_.postProcessor->addSpecialTokens(ids);
    return ids;
}

void PipelineTokenizer::encodeNormalized(std::string_view text, bool startsText, std::vector<TokenId>& ids,
                                         WordCache& cache) const
{
    if (text.empty())
        return;
    Pieces pieces{std::string(text), {{0, std::uint32_t(text.size()), startsText}}};
    if (p_.preTokenizer)
        p_.preTokenizer->apply(pieces);
    for (const auto& span : pieces.spans)
        p_.model->tokenize(pieces.view(span), ids, cache);
}

std::string PipelineTokenizer::decode(const std::vector<TokenId>& ids) const
{
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const TokenId id : ids) {
        if (const auto* added = p_.addedTokens->byId(id)) {
            if (!added->special)
                tokens.push_back(added->content);
        } else if (const auto* token = p_.model->tokenOf(id)) {
            tokens.push_back(*token);
        } else {
            throwBadInput(source_, "token id " + std::to_string(id) + " is not in the vocabulary");
        }
    }
    if (!p_.decoder) {
        std::string joined;
        for (std::size_t i = 0; i < tokens.size(); ++i)
            joined += (i ? " " : "") + tokens[i];
        return joined;
    }
    p_.decoder->decode(tokens);
    std::string joined;
    for (const auto& token : tokens)
        joined += token;
    return joined;
}

std::size_t PipelineTokenizer::vocabularySize() const
{
    return std::max(p_.model->vocabularySize(), std::size_t(p_.addedTokens->largestId() + 1));
}

std::vector<TokenId> PipelineTokenizer::leadingSpecialTokens() const
{
    return p_.postProcessor ? p_.postProcessor->leadingIds() : std::vector<TokenId>{};
}

} // namespace loftq::tokenize
