// Each tokenizer.json component on a vocabulary small enough to work out by hand, the refusals
// (unknown components by name, malformed files), invalid UTF-8 and the order a folder is searched.
#include "loftq/errors.hpp"
#include "loftq/tokenizer_json.hpp"
#include "tokenizer_test_support.hpp"

#include <thread>

using namespace loftq;
using namespace loftq::test;
using nlohmann::json;
using Ids = std::vector<TokenId>;

namespace {

const std::string kMeta = "\xE2\x96\x81"; // ▁

// A tokenizer.json around a BPE model with this vocabulary and merges; extra sets other parts.
std::unique_ptr<Tokenizer> bpe(const json& vocab, const json& merges, const json& extra = json::object(),
                               const json& modelExtra = json::object())
{
    json model = {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}};
    if (!modelExtra.is_null())
        model.update(modelExtra);
    json file = {{"version", "1.0"}, {"model", model}};
    if (!extra.is_null())
        file.update(extra);
    return parseTokenizerJson(file.dump(), "t.json");
}

// The error parseTokenizerJson gives (empty when it accepts the file).
std::string refusal(const std::string& text)
{
    try {
        parseTokenizerJson(text, "t.json");
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::BadInput)
            return e.what();
        return std::string("wrong kind: ") + e.what();
    }
    return "";
}

std::string loadRefusal(const std::string& path)
{
    try {
        loadTokenizer(path);
    } catch (const Error& e) {
        return e.kind() == ErrorKind::BadInput ? e.what() : std::string("wrong kind: ") + e.what();
    }
    return "";
}

json split(const json& pattern, const char* behavior, bool invert = false)
{
    return {{"pre_tokenizer", {{"type", "Split"}, {"pattern", pattern}, {"behavior", behavior}, {"invert", invert}}}};
}

const json kSplitVocab = {{"a", 0}, {"b", 1}, {"-", 2}, {"a-", 3}, {"-b", 4}, {"ab", 5}, {"--", 6}};
const json kSplitMerges = {"- b", "a -", "a b", "- -"};

} // namespace

class TestTokenizerComponents : public QObject {
    Q_OBJECT

private slots:
    void mergesApplyByRankInBothForms()
    {
        const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}};
        QCOMPARE(bpe(vocab, {"b c", "a b", "ab c"})->encode("abc", false), (Ids{0, 4}));
        QCOMPARE(bpe(vocab, {"a b", "b c", "ab c"})->encode("abc", false), (Ids{5}));
        QCOMPARE(bpe(vocab, json::array({json::array({"a", "b"}), json::array({"b", "c"}), json::array({"ab", "c"})}))->encode("abc", false), (Ids{5}));
    }

    void byteFallbackUnknownAndFusing()
    {
        const json vocab = {{"<unk>", 0}, {"a", 1}, {"<0xC3>", 2}, {"<0xA9>", 3}};
        const std::string text = "a\xC3\xA9\xC3\xA9";
        QCOMPARE(bpe(vocab, json::array(), {}, {{"byte_fallback", true}})->encode(text, false), (Ids{1, 2, 3, 2, 3}));
        QCOMPARE(bpe(vocab, json::array(), {}, {{"unk_token", "<unk>"}})->encode(text, false), (Ids{1, 0, 0}));
        QCOMPARE(bpe(vocab, json::array(), {}, {{"unk_token", "<unk>"}, {"fuse_unk", true}})->encode(text, false), (Ids{1, 0}));
        QCOMPARE(bpe(vocab, json::array())->encode(text, false), (Ids{1})); // no unk_token: dropped
    }

    void ignoreMergesTakesWholePiecesFromTheVocabulary()
    {
        const json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"bc", 3}, {"abc", 4}};
        QCOMPARE(bpe(vocab, {"b c"})->encode("abc", false), (Ids{0, 3}));
        QCOMPARE(bpe(vocab, {"b c"}, {}, {{"ignore_merges", true}})->encode("abc", false), (Ids{4}));
    }

    void nfcComposes()
    {
        const json vocab = {{"\xC3\xA9", 0}, {"e", 1}, {"\xCC\x81", 2}};
        QCOMPARE(bpe(vocab, json::array())->encode("e\xCC\x81", false), (Ids{1, 2}));
        QCOMPARE(bpe(vocab, json::array(), {{"normalizer", {{"type", "NFC"}}}})->encode("e\xCC\x81", false), (Ids{0}));
    }

    void prependAndReplaceMakeSentencePieceSpaces()
    {
        const json vocab = {{kMeta, 0}, {"a", 1}, {kMeta + "a", 2}, {"b", 3}};
        const json normalizer = {{"type", "Sequence"},
                                 {"normalizers",
                                  {{{"type", "Prepend"}, {"prepend", kMeta}},
                                   {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kMeta}}}}};
        QCOMPARE(bpe(vocab, {kMeta + " a"}, {{"normalizer", normalizer}})->encode("a a b", false), (Ids{2, 2, 0, 3}));
    }

    void splitBehaviors()
    {
        const json dash = {{"String", "-"}};
        QCOMPARE(bpe(kSplitVocab, kSplitMerges)->encode("a-b", false), (Ids{0, 4}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "Isolated"))->encode("a-b", false), (Ids{0, 2, 1}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "Removed"))->encode("a-b", false), (Ids{0, 1}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "MergedWithPrevious"))->encode("a-b", false), (Ids{3, 1}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "MergedWithNext"))->encode("a-b", false), (Ids{0, 4}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "Isolated"))->encode("a--b", false), (Ids{0, 2, 2, 1}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "Contiguous"))->encode("a--b", false), (Ids{0, 6, 1}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split(dash, "Removed", true))->encode("a-b", false), (Ids{2}));
        QCOMPARE(bpe(kSplitVocab, kSplitMerges, split({{"Regex", "\\p{L}+"}}, "Isolated"))->encode("ab-a", false),
                 (Ids{5, 2, 0}));
    }

    void metaspacePrependSchemes()
    {
        const json vocab = {{kMeta, 0}, {"a", 1}, {kMeta + "a", 2}, {"b", 3}, {kMeta + "b", 4}, {"<s>", 5}};
        const json merges = {kMeta + " a", kMeta + " b"};
        const auto with = [&](const char* scheme) {
            return bpe(vocab, merges,
                       {{"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", kMeta}, {"prepend_scheme", scheme}, {"split", true}}},
                        {"added_tokens", {{{"id", 5}, {"content", "<s>"}, {"special", true}, {"normalized", false}}}}});
        };
        QCOMPARE(with("always")->encode("a b", false), (Ids{2, 4}));
        QCOMPARE(with("never")->encode("a b", false), (Ids{1, 4}));
        QCOMPARE(with("first")->encode("a b", false), (Ids{2, 4}));
        QCOMPARE(with("first")->encode("<s>a b", false), (Ids{5, 1, 4}));
        QCOMPARE(with("always")->encode("<s>a b", false), (Ids{5, 2, 4}));
    }

    void digits()
    {
        const json vocab = {{"1", 0}, {"2", 1}, {"12", 2}, {"x", 3}, {"x1", 4}};
        const json merges = {"x 1", "1 2"};
        const auto digits = [](bool individual) {
            return json{{"pre_tokenizer", {{"type", "Digits"}, {"individual_digits", individual}}}};
        };
        QCOMPARE(bpe(vocab, merges)->encode("x12", false), (Ids{4, 1}));
        QCOMPARE(bpe(vocab, merges, digits(false))->encode("x12", false), (Ids{3, 2}));
        QCOMPARE(bpe(vocab, merges, digits(true))->encode("x12", false), (Ids{3, 0, 1}));
    }

    void byteLevelPrefixSpaceAndPattern()
    {
        const std::string g = "\xC4\xA0"; // Ġ, the byte-level space
        const json vocab = {{g, 0}, {"a", 1}, {g + "a", 2}, {"b", 3}, {g + "b", 4}};
        const json merges = {g + " a", g + " b"};
        const auto byteLevel = [](bool prefix, bool regex) {
            return json{{"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", prefix}, {"use_regex", regex}}},
                        {"decoder", {{"type", "ByteLevel"}}}};
        };
        QCOMPARE(bpe(vocab, merges, byteLevel(false, true))->encode("a b", false), (Ids{1, 4}));
        QCOMPARE(bpe(vocab, merges, byteLevel(true, true))->encode("a b", false), (Ids{2, 4}));
        QCOMPARE(bpe(vocab, merges, byteLevel(false, true))->decode({2, 4}), std::string(" a b"));
    }

    void addedTokenOptions()
    {
        const json vocab = {{"a", 0}, {"b", 1}, {" ", 2}, {"<", 3}, {"x", 4}, {">", 5}, {"y", 6}};
        const auto with = [&](const json& options, const json& extra = json::object()) {
            json token = {{"id", 10}, {"content", "<x>"}, {"special", true}, {"normalized", false}};
            if (!options.is_null())
                token.update(options);
            json all = {{"added_tokens", {token}}};
            all.update(extra);
            return bpe(vocab, json::array(), all);
        };
        QCOMPARE(with({})->encode("a <x> b", false), (Ids{0, 2, 10, 2, 1}));
        QCOMPARE(with({{"lstrip", true}})->encode("a <x> b", false), (Ids{0, 10, 2, 1}));
        QCOMPARE(with({{"rstrip", true}})->encode("a <x> b", false), (Ids{0, 2, 10, 1}));
        QCOMPARE(with({{"single_word", true}})->encode("a<x>b", false), (Ids{0, 3, 4, 5, 1}));
        QCOMPARE(with({{"single_word", true}})->encode("a <x> b", false), (Ids{0, 2, 10, 2, 1}));
        // A normalized token is looked for after normalization (here y -> <x>).
        const json yToX = {{"normalizer", {{"type", "Replace"}, {"pattern", {{"String", "y"}}}, {"content", "<x>"}}}};
        QCOMPARE(with({{"normalized", true}}, yToX)->encode("ay", false), (Ids{0, 10}));
        QCOMPARE(with({{"normalized", false}}, yToX)->encode("ay", false), (Ids{0, 3, 4, 5}));
        // decode skips special tokens (Hugging Face's default), keeps the others.
        QCOMPARE(with({})->decode({0, 10, 1}), std::string("a b"));
        QCOMPARE(with({{"special", false}}, {{"decoder", {{"type", "Fuse"}}}})->decode({0, 10, 1}), std::string("a<x>b"));
    }

    void templateAddsBosAndEos()
    {
        const json vocab = {{"<s>", 0}, {"</s>", 1}, {"a", 2}};
        const json post = {{"type", "TemplateProcessing"},
                           {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                       {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
                                       {{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}}}},
                           {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {0}}, {"tokens", {"<s>"}}}},
                                               {"</s>", {{"id", "</s>"}, {"ids", {1}}, {"tokens", {"</s>"}}}}}}};
        const auto t = bpe(vocab, json::array(), {{"post_processor", post}});
        QCOMPARE(t->encode("aa", true), (Ids{0, 2, 2, 1}));
        QCOMPARE(t->encode("aa", false), (Ids{2, 2}));
        QCOMPARE(t->leadingSpecialTokens(), (Ids{0}));
    }

    void sentencePieceStyleDecoders()
    {
        const json vocab = {{kMeta + "a", 0}, {"<0xC3>", 1}, {"<0xA9>", 2}, {kMeta + "b", 3}};
        const json decoder = {{"type", "Sequence"},
                              {"decoders", {{{"type", "Replace"}, {"pattern", {{"String", kMeta}}}, {"content", " "}},
                                            {{"type", "ByteFallback"}},
                                            {{"type", "Fuse"}},
                                            {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
        const auto t = bpe(vocab, json::array(), {{"decoder", decoder}});
        QCOMPARE(t->decode({0, 1, 2, 3}), std::string("a\xC3\xA9 b"));
        QCOMPARE(t->decode({0, 1, 3}), std::string("a\xEF\xBF\xBD b")); // a lone byte: U+FFFD
        const auto meta = bpe(vocab, json::array(), {{"decoder", {{"type", "Metaspace"}, {"replacement", kMeta}}}});
        QCOMPARE(meta->decode({0, 3}), std::string("a b"));
    }

    void unknownComponentsAreRefusedByName()
    {
        for (const char* name : {"wordpiece", "unigram"}) {
            const auto message = loadRefusal(tokenizerData(std::string("trained/") + name + "-tokenizer.json"));
            QVERIFY2(message.find(name == std::string("wordpiece") ? "model type 'WordPiece' is not supported"
                                                                   : "model type 'Unigram' is not supported") != std::string::npos,
                     message.c_str());
        }
        const json vocab = {{"a", 0}};
        const std::pair<const char*, json> parts[] = {
            {"normalizer type 'Lowercase' is not supported", {{"normalizer", {{"type", "Lowercase"}}}}},
            {"pre_tokenizer type 'Whitespace' is not supported", {{"pre_tokenizer", {{"type", "Whitespace"}}}}},
            {"post_processor type 'BertProcessing' is not supported", {{"post_processor", {{"type", "BertProcessing"}}}}},
            {"decoder type 'WordPiece' is not supported", {{"decoder", {{"type", "WordPiece"}}}}},
            {"normalizer.normalizers[1]: normalizer type 'NFKD'",
             {{"normalizer", {{"type", "Sequence"}, {"normalizers", {{{"type", "NFC"}}, {{"type", "NFKD"}}}}}}}},
        };
        for (const auto& [expected, extra] : parts) {
            json file = {{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", json::array()}}}};
            file.update(extra);
            const auto message = refusal(file.dump());
            QVERIFY2(message.starts_with("t.json: ") && message.find(expected) != std::string::npos, message.c_str());
        }
    }

    void malformedFilesAreRefused()
    {
        const std::string good = json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}}.dump();
        QVERIFY(refusal(good).empty());
        QVERIFY(refusal(good.substr(0, good.size() / 2)).find("not valid JSON") != std::string::npos);
        QVERIFY(refusal("[1, 2]").find("must be a JSON object") != std::string::npos);
        const auto unknownMerge = refusal(json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", {"a zz"}}}}}.dump());
        QVERIFY2(unknownMerge.find("'zz', which is not in the vocabulary") != std::string::npos, unknownMerge.c_str());
        QVERIFY(refusal(json{{"model", {{"type", "BPE"}, {"vocab", {{"a", "x"}}}, {"merges", json::array()}}}}.dump())
                    .find("has no valid id") != std::string::npos);
        QVERIFY(refusal(json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()}, {"dropout", 0.1}}}}.dump())
                    .find("dropout") != std::string::npos);
        QVERIFY(refusal(json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()}}},
                             {"truncation", {{"max_length", 5}}}}.dump())
                    .find("truncation") != std::string::npos);
        QVERIFY(refusal(json{{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", json::array()}}},
                             {"pre_tokenizer", {{"type", "Split"}, {"pattern", {{"Regex", "("}}}, {"behavior", "Isolated"}}}}.dump())
                    .find("pre_tokenizer.pattern: regex does not compile") != std::string::npos);
    }

    void missingFilesAndFoldersAreRefused()
    {
        QTemporaryDir dir;
        const auto root = dir.path().toStdString();
        QVERIFY(loadRefusal(root + "/nothing-here").find("no such file or folder") != std::string::npos);
        QVERIFY(loadRefusal(root).find("no tokenizer found") != std::string::npos);
        QVERIFY(loadRefusal(root).find("--tokens FILE") != std::string::npos);
        std::ofstream(root + "/vocab.json") << "{\"a\": 0}";
        QVERIFY(loadRefusal(root + "/vocab.json").find("merges.txt is missing") != std::string::npos);
        std::ofstream(root + "/merges.txt") << "#version: 0.2\na b c\n";
        QVERIFY(loadRefusal(root + "/vocab.json").find("line 2 is not two tokens") != std::string::npos);
        std::ofstream(root + "/broken.model") << "not a protobuf";
        QVERIFY(loadRefusal(root + "/broken.model").find("not a SentencePiece model") != std::string::npos);
    }

    void folderSearchOrder()
    {
        QTemporaryDir dir;
        const auto root = dir.path().toStdString();
        const std::string vocab = "{\"a\": 0, \"b\": 1, \"ab\": 2}";
        std::ofstream(root + "/config.json") << "{\"vocab_size\": 256}";
        std::filesystem::copy_file(tokenizerData("trained/sentencepiece-tokenizer.model"), root + "/tokenizer.model");
        std::ofstream(root + "/vocab.json") << vocab;
        std::ofstream(root + "/merges.txt") << "#version: 0.2\na b\n";
        std::ofstream(root + "/tokenizer.json") << json{{"model", {{"type", "BPE"}, {"vocab", json::parse(vocab)}, {"merges", {"a b"}}}}}.dump();
        const auto sourceEnds = [&](const std::string& end) { return loadTokenizer(root)->source().ends_with(end); };
        QVERIFY(sourceEnds("tokenizer.json"));
        std::filesystem::remove(root + "/tokenizer.json");
        QVERIFY(sourceEnds("merges.txt"));
        QCOMPARE(loadTokenizer(root)->encode("ab", true), (Ids{2}));
        std::filesystem::remove(root + "/vocab.json");
        QVERIFY(sourceEnds("tokenizer.model"));
        std::filesystem::remove(root + "/tokenizer.model");
        QVERIFY(loadTokenizer(root)->source().find("vocab_size 256") != std::string::npos);
    }

    // Python's bytes.decode("utf-8", errors="replace"): one U+FFFD per maximal ill-formed subsequence.
    void invalidUtf8IsReplacedAsPythonDoes()
    {
        const std::string fffd = "\xEF\xBF\xBD";
        const std::pair<std::string, std::string> cases[] = {
            {"ab\x80" "c", "ab" + fffd + "c"},
            {"A\xE2\x82" "B", "A" + fffd + "B"},
            {"\xC0\xAF", fffd + fffd},
            {"\xED\xA0\x80", fffd + fffd + fffd},
            {"\xF4\x90\x80\x80", fffd + fffd + fffd + fffd},
            {"ok\xF0\x9F\x98", "ok" + fffd},
            {"caf\xC3\xA9 \xF0\x9F\x98\x80", "caf\xC3\xA9 \xF0\x9F\x98\x80"},
        };
        for (const auto& [input, expected] : cases) {
            std::string out;
            const auto found = replaceInvalidUtf8(input, out);
            QCOMPARE(out, expected);
            QCOMPARE(found.sequences == 0, input == expected);
        }
        std::string out;
        const auto found = replaceInvalidUtf8("abc\x80\x80xyz\xFF", out);
        QCOMPARE(found.sequences, std::size_t(3));
        QCOMPARE(found.firstOffset, std::size_t(3));
        // encode sees the replaced text.
        const json vocab = {{"a", 0}, {fffd, 1}};
        QCOMPARE(bpe(vocab, json::array())->encode("a\xFF" "a", false), (Ids{0, 1, 0}));
    }

    void concurrentEncodesAgree()
    {
        const auto t = bpe(kSplitVocab, kSplitMerges, split({{"String", "-"}}, "MergedWithNext"));
        std::string text;
        for (int i = 0; i < 2000; ++i)
            text += i % 3 ? "a-b" : "ab--";
        const auto expected = t->encode(text, true);
        std::vector<Ids> results(4);
        std::vector<std::thread> threads;
        for (auto& r : results)
            threads.emplace_back([&] { r = t->encode(text, true); });
        for (auto& thread : threads)
            thread.join();
        for (const auto& r : results)
            QCOMPARE(r, expected);
    }
};

QTEST_GUILESS_MAIN(TestTokenizerComponents)
#include "test_tokenizer_components.moc"
