// Id-for-id equality with Hugging Face `tokenizers` 0.23 on the shared tokenizers (both GPT-2
// forms) and a SentencePiece model, over the committed texts (tests/data/tokenizers; the ids were
// made by tests/tools/make_tokenizer_reference.py on a machine with the library).
#include "tokenizer_test_support.hpp"

using namespace loftq;
using namespace loftq::test;

class TestTokenizerReference : public QObject {
    Q_OBJECT

    QTemporaryDir scratch_;
    std::string dir(const std::string& name)
    {
        const auto path = scratch_.path().toStdString() + "/" + name;
        std::filesystem::create_directories(path);
        return path;
    }

    // Every text's ids, with and without special tokens, and its decoded text, against the reference.
    void compare(const Tokenizer& tokenizer, const std::string& referenceName)
    {
        const auto reference = readJson(tokenizerData("reference/" + referenceName + ".json"));
        const auto texts = referenceTexts();
        std::size_t compared[2] = {0, 0}, differing[2] = {0, 0}, decodeMismatches = 0;
        std::string firstDifference;
        for (const auto& entry : reference["texts"]) {
            const auto name = entry["text"].get<std::string>();
            QVERIFY2(texts.count(name), qPrintable(QString::fromStdString("no text " + name)));
            const auto& text = texts.at(name);
            for (int special = 0; special < 2; ++special) {
                const auto expected = entry[special ? "with_special" : "without_special"].get<std::vector<TokenId>>();
                const auto actual = tokenizer.encode(text, special == 1);
                const auto n = std::max(expected.size(), actual.size());
                compared[special] += expected.size();
                for (std::size_t i = 0; i < n; ++i) {
                    if (i < expected.size() && i < actual.size() && expected[i] == actual[i])
                        continue;
                    ++differing[special];
                    if (firstDifference.empty())
                        firstDifference = name + (special ? " (with special)" : "") + " at token " + std::to_string(i);
                }
            }
            const auto decoded = tokenizer.decode(entry["with_special"].get<std::vector<TokenId>>());
            if (decoded != entry["decoded"].get<std::string>()) {
                ++decodeMismatches;
                if (firstDifference.empty())
                    firstDifference = name + " (decode)";
            }
        }
        qInfo("%s: with special tokens %zu ids compared, %zu differ; without %zu compared, %zu differ; "
              "%zu decoded texts differ%s%s",
              referenceName.c_str(), compared[1], differing[1], compared[0], differing[0], decodeMismatches,
              firstDifference.empty() ? "" : "; first: ", firstDifference.c_str());
        QVERIFY(compared[0] > 1000 && compared[1] > 1000);
        QCOMPARE(differing[0] + differing[1] + decodeMismatches, std::size_t(0));
    }

private slots:
    void initTestCase() { QVERIFY(scratch_.isValid()); }

    void spbpe32k()
    {
        unxzShared("spbpe32k-tokenizer.json", dir("spbpe32k") + "/tokenizer.json");
        compare(*loadTokenizer(dir("spbpe32k")), "spbpe32k");
    }

    void qwen3()
    {
        unxzShared("qwen3-tokenizer.json", dir("qwen3") + "/tokenizer.json");
        compare(*loadTokenizer(dir("qwen3")), "qwen3");
    }

    void gpt2TokenizerJson()
    {
        unxzShared("gpt2-tokenizer.json", dir("gpt2") + "/tokenizer.json");
        compare(*loadTokenizer(dir("gpt2") + "/tokenizer.json"), "gpt2");
    }

    void gpt2TwoFiles()
    {
        unxzShared("gpt2-vocab.json", dir("gpt2-two-file") + "/vocab.json");
        unxzShared("gpt2-merges.txt", dir("gpt2-two-file") + "/merges.txt");
        compare(*loadTokenizer(dir("gpt2-two-file")), "gpt2-two-file");
    }

    void sentencePieceModel()
    {
        std::filesystem::copy_file(tokenizerData("trained/sentencepiece-tokenizer.model"), dir("spm") + "/tokenizer.model");
        compare(*loadTokenizer(dir("spm")), "sentencepiece");
    }
};

QTEST_GUILESS_MAIN(TestTokenizerReference)
#include "test_tokenizer_reference.moc"
