// `loftq tokenize`: ids on stdout (plain or JSON), one summary line on stderr, and exit status 2
// with one line naming the file for every kind of bad input (docs/tokenizers.md).
#include "loftq/tokenizer.hpp"
#include "loftq_process.hpp"

#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;
using namespace loftq::test;
using nlohmann::json;

class TestCliTokenize : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string path(const std::string& name) const { return dir_.path().toStdString() + "/" + name; }
    static QString q(const std::string& s) { return QString::fromStdString(s); }

    // A tokenizer.json with a BOS template: <s> = 0, then bytes a, b, space and the merge "a b".
    static json smallTokenizer()
    {
        return {{"model", {{"type", "BPE"}, {"vocab", {{"<s>", 0}, {"a", 1}, {"b", 2}, {" ", 3}, {"ab", 4}, {"\xEF\xBF\xBD", 5}}}, {"merges", {"a b"}}}},
                {"added_tokens", {{{"id", 0}, {"content", "<s>"}, {"special", true}, {"normalized", false}}}},
                {"post_processor", {{"type", "TemplateProcessing"},
                                    {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
                                    {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {0}}, {"tokens", {"<s>"}}}}}}}}};
    }

    // Exit status 2 and one stderr line that names the file and says what is wrong.
    void expectRefusal(const QStringList& args, const std::string& file, const std::string& problem)
    {
        const auto r = runLoftq(args);
        QVERIFY2(!r.crashed && r.exitCode == 2, r.err.constData());
        const auto lines = nonEmptyLines(r.err);
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].contains(q(file)) && lines[0].contains(q(problem)), qPrintable(lines[0]));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        std::filesystem::create_directories(path("model"));
        writeBytes(path("model/tokenizer.json"), smallTokenizer().dump());
        writeBytes(path("text.txt"), "ab a b");
        writeBytes(path("invalid.txt"), "ab\xFF" "a");
        writeBytes(path("empty.txt"), "");
    }

    void printsIdsAndOneSummaryLine()
    {
        const auto r = runLoftq({"tokenize", q(path("model")), "--text", q(path("text.txt"))});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("0 4 3 1 3 2\n"));
        const auto lines = nonEmptyLines(r.err);
        QCOMPARE(lines.size(), 1);
        QVERIFY2(lines[0].startsWith("tokenize: 6 tokens, 6 bytes, 1.00 bytes/token, BOS added (id 0)"), qPrintable(lines[0]));
    }

    void jsonAndNoSpecial()
    {
        const auto r = runLoftq({"tokenize", q(path("model/tokenizer.json")), "--text", q(path("text.txt")), "--json", "--no-special"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(json::parse(r.out.toStdString()), json({4, 3, 1, 3, 2}));
        QVERIFY(r.err.contains("no special tokens (--no-special)"));
    }

    void invalidUtf8IsReplacedAndReported()
    {
        const auto r = runLoftq({"tokenize", q(path("model")), "--text", q(path("invalid.txt")), "--no-special"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QCOMPARE(r.out, QByteArray("4 5 1\n"));
        QVERIFY2(r.err.contains("1 invalid UTF-8 sequence(s)") && r.err.contains("replaced by U+FFFD (first at byte 2)"),
                 r.err.constData());
    }

    void badInputExitsTwoNamingTheFile()
    {
        expectRefusal({"tokenize", q(path("model")), "--text", q(path("empty.txt"))}, path("empty.txt"), "the text is empty");
        expectRefusal({"tokenize", q(path("model")), "--text", q(path("missing.txt"))}, path("missing.txt"), "no such file");
        expectRefusal({"tokenize", q(path("nowhere")), "--text", q(path("text.txt"))}, path("nowhere"), "no such file");
        const auto text = smallTokenizer().dump();
        writeBytes(path("truncated.json"), text.substr(0, text.size() / 2));
        expectRefusal({"tokenize", q(path("truncated.json")), "--text", q(path("text.txt"))}, path("truncated.json"), "not valid JSON");
        auto unknownMerge = smallTokenizer();
        unknownMerge["model"]["merges"] = {"a zz"};
        writeBytes(path("merge.json"), unknownMerge.dump());
        expectRefusal({"tokenize", q(path("merge.json")), "--text", q(path("text.txt"))}, path("merge.json"), "not in the vocabulary");
        const auto wordpiece = sourceDir() + "/tests/data/tokenizers/trained/wordpiece-tokenizer.json";
        expectRefusal({"tokenize", q(wordpiece), "--text", q(path("text.txt"))}, wordpiece, "model type 'WordPiece' is not supported");
        expectRefusal({"tokenize", q(path("model"))}, "--text FILE", "usage");
    }
};

QTEST_GUILESS_MAIN(TestCliTokenize)
#include "test_cli_tokenize.moc"
