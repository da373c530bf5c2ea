// `loftq eval` through the binary: the summary, --json events, exit status 2 with one line naming
// the file for bad input, 130 on Ctrl-C.
#include "loftq_process.hpp"

#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }
std::string data(const std::string& name) { return test::sourceDir() + "/tests/data/model/" + name; }
std::string fixture(const std::string& name) { return test::sharedDir() + "/fixtures/" + name; }

// Exit 2, nothing on stdout, one line on stderr holding `expected`.
bool refusedWithOneLine(const test::CliResult& r, const QString& expected)
{
    const auto lines = test::nonEmptyLines(r.err);
    return !r.crashed && r.exitCode == 2 && r.out.isEmpty() && lines.size() == 1 && lines[0].contains(expected);
}

} // namespace

class TestCliEval : public QObject {
    Q_OBJECT
private slots:
    void summaryOfATextAgainstItself()
    {
        const auto r = test::runLoftq({"eval", q(test::picoLlama()), "--compare", q(test::picoLlama()), "--text",
                                       q(data("apache-2.0.txt")), "--max-tokens", "1024", "--threads", "2"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto out = QString::fromUtf8(r.out);
        QVERIFY2(out.contains("2 windows of 512 (1022 predictions)"), qPrintable(out));
        QVERIFY2(out.contains("bits/byte") && out.contains("KL(original || model) mean 0.00000") &&
                     out.contains("top-1 agreement 100.00%"),
                 qPrintable(out));
    }

    void jsonEventsEndWithTheResult()
    {
        const auto r = test::runLoftq({"eval", q(fixture("gpt2-f32")), "--tokens", q(data("fixture128-gpt2.tokens.json")),
                                       "--json", "--threads", "1"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto lines = test::nonEmptyLines(r.out);
        QVERIFY(lines.size() > 3);
        for (const auto& l : lines)
            QVERIFY(nlohmann::json::accept(l.toStdString()));
        QCOMPARE(nlohmann::json::parse(lines.first().toStdString()).at("event"), "run_started");
        const auto result = nlohmann::json::parse(lines.last().toStdString());
        QCOMPARE(result.at("event"), "eval_result");
        QCOMPARE(result.at("context").get<int>(), 64); // min(512, n_positions)
        QVERIFY(result.at("metrics").at("nll").get<double>() > 0);
    }

    void badInputExitsTwoWithOneLine()
    {
        QTemporaryDir tmp;
        const auto shortIds = tmp.filePath("short.json");
        std::ofstream(shortIds.toStdString()) << "[1, 2, 3]";
        auto r = test::runLoftq({"eval", q(fixture("llama-f16")), "--tokens", shortIds});
        QVERIFY2(refusedWithOneLine(r, shortIds + ": 3 tokens are fewer than one window"), r.err.constData());
        r = test::runLoftq({"eval", q(fixture("bert-f32")), "--tokens", q(data("fixture128.tokens.json"))});
        QVERIFY2(refusedWithOneLine(r, "model_type"), r.err.constData());
        r = test::runLoftq({"eval", q(fixture("llama-f16")), "--tokens", q(data("stories512.tokens.json"))});
        QVERIFY2(refusedWithOneLine(r, "outside the vocabulary"), r.err.constData());
        r = test::runLoftq({"eval", q(fixture("llama-f16")), "--text", q(data("apache-2.0.txt"))});
        QVERIFY2(refusedWithOneLine(r, q(fixture("llama-f16"))), r.err.constData());
        r = test::runLoftq({"eval", q(fixture("llama-f16")), "--tokens", "a", "--text", "b"});
        QVERIFY2(refusedWithOneLine(r, "exactly one of --text FILE and --tokens FILE"), r.err.constData());
        r = test::runLoftq({"eval", q(fixture("llama-f16")), "--tokens", "a", "--variant", "merged"});
        QVERIFY2(refusedWithOneLine(r, "--variant must be full or backbone"), r.err.constData());
    }

    // quantize --eval-text of a budget plan: the three models side by side in the summary and in
    // the report, with the planner's expected error beside the run's; `loftq eval` of the export
    // shows the same line, and its --json event the same figures.
    void quantizeEvaluatesItsExport()
    {
        QTemporaryDir tmp;
        const auto out = tmp.filePath("out"), planFile = tmp.filePath("plan.json");
        const QStringList layer{"--target", "layers\\.0\\.mlp\\.up_proj", "--rank", "4", "--iters", "1", "--threads", "2"};
        const auto planned = test::runLoftq(QStringList{"plan", q(test::picoLlama()), "--budget", "2bits", "--bits-choices",
                                                        "2", "-o", planFile} + layer);
        QVERIFY2(planned.exitCode == 0, planned.err.constData());
        const auto r = test::runLoftq(QStringList{"quantize", q(test::picoLlama()), "-o", out, "--plan", planFile,
                                                  "--eval-text", q(data("apache-2.0.txt"))} + layer, 600000);
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto summary = QString::fromUtf8(r.out);
        QVERIFY2(summary.contains("backbone (QLoRA init)") && summary.contains("backbone + adapter"), qPrintable(summary));
        QVERIFY2(summary.contains("planner expected total rel. weight error") && summary.contains("run measured") &&
                     summary.contains("1 of 1 planned layers"),
                 qPrintable(summary));
        const auto report = test::readJson(out.toStdString() + "/loftq_report.json");
        const auto evaluation = report.at("evaluation");
        const auto full = evaluation.at("full").at("comparison"), backbone = evaluation.at("backbone").at("comparison");
        QVERIFY(full.at("kl_mean").get<double>() > 0);
        QVERIFY(full.at("kl_mean").get<double>() < backbone.at("kl_mean").get<double>()); // the adapter helps
        QVERIFY(evaluation.at("original").at("nll").get<double>() > 0);
        const auto plannedSummary = report.at("summary").at("planned");
        QCOMPARE(plannedSummary.at("layers_compared").get<int>(), 1);
        QCOMPARE(plannedSummary.at("measured_total_rel_error").get<double>(),
                 report.at("layers").at(0).at("rel_error").get<double>());

        const auto e = test::runLoftq({"eval", out, "--compare", q(test::picoLlama()), "--text", q(data("apache-2.0.txt")),
                                       "--max-tokens", "1024", "--threads", "2", "--json"});
        QVERIFY2(e.exitCode == 0, e.err.constData());
        const auto lines = test::nonEmptyLines(e.out);
        const auto event = nlohmann::json::parse(lines.last().toStdString());
        QCOMPARE(event.at("event").get<std::string>(), std::string("eval_result"));
        QCOMPARE(event.at("planned"), plannedSummary);
        QVERIFY(event.at("comparison").at("kl_mean").get<double>() > 0);
    }

    // A text the original cannot evaluate stops quantize before anything is written.
    void quantizeRefusesABadEvalTextFirst()
    {
        QTemporaryDir tmp;
        const auto shortText = tmp.filePath("short.txt");
        std::ofstream(shortText.toStdString()) << "too short";
        const auto out = tmp.filePath("out");
        const auto r = test::runLoftq({"quantize", q(test::picoLlama()), "-o", out, "--eval-text", shortText});
        QVERIFY2(refusedWithOneLine(r, shortText + ": 9 tokens are fewer than one window"), r.err.constData());
        QVERIFY(!std::filesystem::exists(out.toStdString()));
    }

    void ctrlCExits130()
    {
        test::ChildProcess p;
        QVERIFY(p.start(test::loftqBinary().toStdString(),
                        {"eval", q(test::picoLlama()), "--text", q(data("gpl-2.txt")), "--json", "--threads", "1"}));
        QVERIFY2(p.readUntil([&] { return p.out().contains("layer_finished"); }, 120000), p.err().constData());
        QVERIFY(::kill(p.pid(), SIGINT) == 0);
        const auto r = p.finish(120000);
        QVERIFY2(!r.crashed && r.exitCode == 130, r.err.constData());
        QVERIFY(test::nonEmptyLines(r.err).last().contains("cancelled"));
    }
};

QTEST_GUILESS_MAIN(TestCliEval)
#include "test_cli_eval.moc"
