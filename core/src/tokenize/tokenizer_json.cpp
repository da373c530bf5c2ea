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
            out.emplace_back(merge[std::size_t(0)].asString(), merge[std::size_t(1)].asString());
        }
    }
    return out;
}

// The model's vocab and merges: most of a large file (Qwen3's 11 MB), so they are read straight
// into these tables while parsing instead of into the JSON tree (which halves the load time).
struct ModelTables {
    bool read = false; // false: take them from the tree (they were absent or not as expected there)
    bool sawVocab = false, sawMerges = false;
    tokenize::Vocabulary vocab;
    std::vector<std::pair<std::string, std::string>> merges;
};

// nlohmann's tree builder, except for "model" -> "vocab" and "merges", which go to ModelTables
// (the tree gets an empty object and array in their place). Anything unexpected inside them marks
// the tables unusable; the caller then reads the file the plain way, whose messages name the fault.
class ModelTablesSax : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
    using Base = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;
    enum class Mode { Tree, Vocab, Merges };

public:
    ModelTablesSax(nlohmann::json& root, ModelTables& tables) : Base(root, true), t_(tables) {}

    bool null() { return mode_ == Mode::Tree ? Base::null() : spoil(); }
    bool boolean(bool v) { return mode_ == Mode::Tree ? Base::boolean(v) : spoil(); }
    bool number_float(double v, const std::string& s) { return mode_ == Mode::Tree ? Base::number_float(v, s) : spoil(); }
    bool binary(nlohmann::json::binary_t& v) { return mode_ == Mode::Tree ? Base::binary(v) : spoil(); }
    bool number_integer(std::int64_t v) { return mode_ == Mode::Tree ? Base::number_integer(v) : addId(v); }
    bool number_unsigned(std::uint64_t v)
    {
        return mode_ == Mode::Tree ? Base::number_unsigned(v) : addId(v > std::uint64_t(INT64_MAX) ? -1 : std::int64_t(v));
    }
    bool string(std::string& v)
    {
        if (mode_ == Mode::Tree)
            return Base::string(v);
        if (mode_ != Mode::Merges || inner_ > 1)
            return spoil();
        if (inner_ == 1) {
            pair_.push_back(std::move(v));
            return true;
        }
        const auto space = v.find(' ');
        if (space == std::string::npos || v.find(' ', space + 1) != std::string::npos)
            return spoil();
        t_.merges.emplace_back(v.substr(0, space), v.substr(space + 1));
        return true;
    }
    bool key(std::string& k)
    {
        if (mode_ == Mode::Vocab && inner_ == 0) {
            key_ = std::move(k);
            return true;
        }
        if (mode_ != Mode::Tree)
            return spoil();
        if (depth_ == 1)
            rootKey_ = k;
        else if (depth_ == 2 && inModel_)
            modelKey_ = k;
        return Base::key(k);
    }
    bool start_object(std::size_t n)
    {
        if (mode_ != Mode::Tree) {
            ++inner_;
            return spoil();
        }
        if (inModel_ && depth_ == 2 && modelKey_ == "vocab") {
            mode_ = Mode::Vocab;
            t_.sawVocab = true;
            return Base::start_object(0);
        }
        ++depth_;
        inModel_ = inModel_ || (depth_ == 2 && rootKey_ == "model");
        return Base::start_object(n);
    }
    bool end_object()
    {
        if (mode_ != Mode::Tree) {
            if (inner_ == 0 && mode_ == Mode::Vocab) {
                mode_ = Mode::Tree;
                return Base::end_object();
            }
            --inner_;
            return true;
        }
        if (depth_ == 2)
            inModel_ = false;
        --depth_;
        return Base::end_object();
    }
    bool start_array(std::size_t n)
    {
        if (mode_ == Mode::Merges && inner_ == 0) {
            ++inner_;
            pair_.clear();
            return true;
        }
        if (mode_ != Mode::Tree) {
            ++inner_;
            return spoil();
        }
        if (inModel_ && depth_ == 2 && modelKey_ == "merges") {
            mode_ = Mode::Merges;
            t_.sawMerges = true;
            return Base::start_array(0);
        }
        ++depth_;
        return Base::start_array(n);
    }
    bool end_array()
    {
        if (mode_ == Mode::Merges && inner_ == 0) {
            mode_ = Mode::Tree;
            return Base::end_array();
        }
        if (mode_ != Mode::Tree) {
            if (mode_ == Mode::Merges && inner_ == 1) {
                if (pair_.size() != 2)
                    spoil();
                else
                    t_.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
            }
            --inner_;
            return true;
        }
        --depth_;
        return Base::end_array();
    }
    bool spoiled() const { return spoiled_; }

private:
    bool addId(std::int64_t id)
    {
        if (mode_ != Mode::Vocab || inner_ != 0 || id < 0 || id > std::numeric_limits<TokenId>::max())
            return spoil();
        t_.vocab.insert_or_assign(std::move(key_), TokenId(id)); // the last of duplicates, as in the tree
        return true;
    }
    bool spoil()
    {
        spoiled_ = true;
        return true; // keep parsing: the JSON itself may still be fine
    }

    ModelTables& t_;
    Mode mode_ = Mode::Tree;
    int depth_ = 0, inner_ = 0;
    bool inModel_ = false, spoiled_ = false;
    std::string rootKey_, modelKey_, key_;
    std::vector<std::string> pair_;
};

std::unique_ptr<tokenize::BpeModel> makeBpe(const Spec& model, ModelTables* tables)
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
    if (tables && tables->read)
        return std::make_unique<tokenize::BpeModel>(std::move(tables->vocab), tables->merges, std::move(options),
                                                    model.source());
    return std::make_unique<tokenize::BpeModel>(readVocabulary(model["vocab"]), readMerges(model["merges"]),
                                                std::move(options), model.source());
}

std::unique_ptr<tokenize::BpeModel> makeModel(const Spec& model, ModelTables& tables)
{
    const auto bpe = [&](const Spec& spec) { return makeBpe(spec, &tables); };
    // Files written before models were tagged have no "type"; merges mark a BPE.
    if (!model.has("type") && model.has("merges"))
        return bpe(model);
    const tokenize::ComponentTable<tokenize::BpeModel> table("model", {{"BPE", bpe}});
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
    ModelTables tables;
    try {
        ModelTablesSax sax(json, tables);
        nlohmann::json::sax_parse(text, &sax);
        tables.read = !sax.spoiled() && tables.sawVocab && tables.sawMerges;
        if (!tables.read)
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
    // The model first: a file of another model kind is refused for that, not for a part of it.
    p.model = makeModel(root["model"], tables);
    if (root.has("normalizer"))
        p.normalizer = tokenize::makeNormalizer(root["normalizer"]);
    if (root.has("pre_tokenizer"))
        p.preTokenizer = tokenize::makePreTokenizer(root["pre_tokenizer"]);
    if (root.has("post_processor"))
        p.postProcessor = tokenize::makePostProcessor(root["post_processor"]);
    if (root.has("decoder"))
        p.decoder = tokenize::makeDecoder(root["decoder"]);
    if (root.has("added_tokens"))
        p.addedTokens = std::make_unique<tokenize::AddedVocabulary>(readAddedTokens(root["added_tokens"]), p.normalizer.get());
    return std::make_unique<tokenize::PipelineTokenizer>(std::move(p), source);
}

} // namespace loftq
