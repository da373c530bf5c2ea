// tokenizer.json (Hugging Face `tokenizers`) into a PipelineTokenizer.
#include "loftq/tokenizer_json.hpp"

#include "pipeline_tokenizer.hpp"

namespace loftq {
namespace {

using tokenize::Spec;

tokenize::Vocabulary readVocabulary(const Spec& vocab)
{
    if (!vocab.json().is_object())
        vocab.fail("must be an object of token -> id");
    tokenize::Vocabulary out;
    out.reserve(vocab.json().size());
    for (const auto& [token, id] : vocab.json().items()) {
        if (!id.is_number_integer() || id.get<long>() < 0 || id.get<long>() > std::numeric_limits<TokenId>::max())
            vocab.fail("token " + quoteName(token) + " has no valid id");
        out.emplace(token, id.get<TokenId>());
    }
    return out;
}

// Merges as "a b" strings (older files) or ["a", "b"] pairs.
std::vector<std::pair<std::string, std::string>> readMerges(const Spec& merges)
{
    std::vector<std::pair<std::string, std::string>> out;
    out.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const auto merge = merges[i];
        if (merge.json().is_string()) {
            const auto text = merge.asString();
            const auto space = text.find(' ');
            if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
                merge.fail("must be two tokens separated by one space");
            out.emplace_back(text.substr(0, space), text.substr(space + 1));
        } else {
            if (merge.size() != 2)
                merge.fail("must be a pair of tokens");
            out.emplace_back(merge[0].asString(), merge[1].asString());
        }
    }
    return out;
}

std::unique_ptr<tokenize::BpeModel> makeBpe(const Spec& model)
{
    if (model.has("dropout") && (!model.json()["dropout"].is_number() || model.json()["dropout"].get<double>() != 0.0))
        model["dropout"].fail("BPE dropout is random and not supported");
    tokenize::BpeOptions options;
    if (model.has("unk_token"))
        options.unknownToken = model.string("unk_token");
    options.continuingSubwordPrefix = model.stringOr("continuing_subword_prefix", "");
    options.endOfWordSuffix = model.stringOr("end_of_word_suffix", "");
    options.fuseUnknown = model.boolean("fuse_unk", false);
    options.byteFallback = model.boolean("byte_fallback", false);
    options.ignoreMerges = model.boolean("ignore_merges", false);
    return std::make_unique<tokenize::BpeModel>(readVocabulary(model["vocab"]), readMerges(model["merges"]),
                                                std::move(options), model.source());
}

std::unique_ptr<tokenize::BpeModel> makeModel(const Spec& model)
{
    // Files written before models were tagged have no "type"; merges mark a BPE.
    if (!model.has("type") && model.has("merges"))
        return makeBpe(model);
    static const tokenize::ComponentTable<tokenize::BpeModel> table("model", {{"BPE", makeBpe}});
    return table.make(model);
}

std::vector<tokenize::AddedToken> readAddedTokens(const Spec& list)
{
    std::vector<tokenize::AddedToken> tokens;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto t = list[i];
        tokens.push_back({t.string("content"), TokenId(t.integer("id", 0, std::numeric_limits<TokenId>::max())),
                          t.boolean("single_word", false), t.boolean("lstrip", false), t.boolean("rstrip", false),
                          t.boolean("normalized", false), t.boolean("special", false)});
    }
    return tokens;
}

} // namespace

std::unique_ptr<Tokenizer> parseTokenizerJson(std::string_view text, const std::string& source)
{
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(source, std::string("not valid JSON (") + e.what() + ")");
    }
    const Spec root(json, "", source);
    if (!json.is_object())
        root.fail("must be a JSON object (a Hugging Face tokenizer.json)");
    for (const char* unsupported : {"truncation", "padding"})
        if (root.has(unsupported))
            root[unsupported].fail("is set; encoding a text whole, the workbench does not truncate or pad");
    tokenize::Pipeline p;
    if (root.has("normalizer"))
        p.normalizer = tokenize::makeNormalizer(root["normalizer"]);
    if (root.has("pre_tokenizer"))
        p.preTokenizer = tokenize::makePreTokenizer(root["pre_tokenizer"]);
    p.model = makeModel(root["model"]);
    if (root.has("post_processor"))
        p.postProcessor = tokenize::makePostProcessor(root["post_processor"]);
    if (root.has("decoder"))
        p.decoder = tokenize::makeDecoder(root["decoder"]);
    if (root.has("added_tokens"))
        p.addedTokens = std::make_unique<tokenize::AddedVocabulary>(readAddedTokens(root["added_tokens"]), p.normalizer.get());
    return std::make_unique<tokenize::PipelineTokenizer>(std::move(p), source);
}

} // namespace loftq
