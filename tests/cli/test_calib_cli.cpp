// `loftq calibrate`, `quantize --calib-text` and `quantize/plan --calib` (docs/calibration.md):
// statistics written by the command serve quantize; both errors in the table and the report; plans
// on output error; bad input (statistics that do not fit the model, a text shorter than a window,
// no tokenizer, an unsupported model, an existing output) refused with exit status 2 and one line
// naming the file; Ctrl-C exits 130 and leaves nothing.
#include "loftq_process.hpp"
#include "synthetic_calibration.hpp"

#include "loftq/calib_stats.hpp"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

using namespace loftq;

namespace {

const QString kFirstBlock = QStringLiteral("layers\\.0\\.");

// The one line a refused run prints, which must name the statistics file.
void expectRefusal(const test::CliResult& r, const std::string& statsPath)
{
    QCOMPARE(r.exitCode, 2);
    const auto lines = test::nonEmptyLines(r.err);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].startsWith(QString::fromStdString("loftq: " + statsPath + ": ")), qPrintable(lines[0]));
}

QString q(const std::string& s) { return QString::fromStdString(s); }
QString data(const char* name) { return q(test::sourceDir() + "/tests/data/model/" + name); }

} // namespace

class TestCalibCli : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        stats_ = dir_.filePath("stats.safetensors").toStdString();
        test::writeSyntheticStatistics(Checkpoint::open(test::demoModel()), stats_, 256);
    }

    void quantizeReportsBothErrors()
    {
        const QString out = dir_.filePath("export");
        const auto r = test::runLoftq({"quantize", QString::fromStdString(test::demoModel()), "-o", out, "--bits", "2",
                                       "--rank", "8", "--iters", "2", "--target", kFirstBlock, "--threads", "2",
                                       "--calib", QString::fromStdString(stats_), "--damping", "0.02"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("qlora_out"));
        QVERIFY(r.out.contains("damping 0.02"));
        const auto report = test::readJson(out.toStdString() + "/loftq_report.json");
        QCOMPARE(report.at("calibration").at("damping").get<double>(), 0.02);
        QCOMPARE(int(report.at("layers").size()), 7);
        for (const auto& l : report.at("layers")) {
            QCOMPARE(l.at("objective").get<std::string>(), std::string("output"));
            QVERIFY(l.at("output_rel_error").get<double>() < l.at("qlora_output_rel_error").get<double>());
        }
    }

    void planAllocatesOnOutputError()
    {
        const QString plan = dir_.filePath("plan.json");
        const auto r = test::runLoftq({"plan", QString::fromStdString(test::demoModel()), "--budget", "3bits", "-o", plan,
                                       "--bits-choices", "2,4", "--target", kFirstBlock, "--threads", "2",
                                       "--calib", QString::fromStdString(stats_)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("out_error"));
        QVERIFY(r.out.contains("total output error"));
        QVERIFY(QFile::exists(plan));
    }

    void statisticsThatDoNotFitAreRefused()
    {
        // Statistics of another model.
        const std::string other = dir_.filePath("llama-stats.safetensors").toStdString();
        test::writeSyntheticStatistics(Checkpoint::open(test::fixture("llama")), other, 32);
        expectRefusal(test::runLoftq({"quantize", QString::fromStdString(test::demoModel()), "-o",
                                      dir_.filePath("refused"), "--calib", QString::fromStdString(other)}),
                      other);
        QVERIFY(!QFile::exists(dir_.filePath("refused")));
        // Not statistics at all.
        const std::string model = test::demoModel() + "/model.safetensors";
        expectRefusal(test::runLoftq({"plan", QString::fromStdString(test::demoModel()), "--budget", "3bits", "-o",
                                      dir_.filePath("p.json"), "--calib", QString::fromStdString(model)}),
                      model);
        // --damping means nothing without statistics.
        const auto usage = test::runLoftq({"quantize", QString::fromStdString(test::demoModel()), "-o",
                                           dir_.filePath("x"), "--damping", "0.1"});
        QCOMPARE(usage.exitCode, 2);
    }

    void calibrateWritesStatistics()
    {
        const auto model = test::sharedFixture("llama-f16");
        LOFTQ_REQUIRE_SHARED(model);
        const auto stats = dir_.filePath("llama-f16.safetensors").toStdString();
        const QStringList args{"calibrate", q(model), "--tokens", data("fixture128.tokens.json"), "--context", "128",
                               "-o", q(stats), "--threads", "2"};
        const auto r = test::runLoftq(args + QStringList{"--json"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        const auto result = nlohmann::json::parse(test::nonEmptyLines(r.out).last().toStdString());
        QCOMPARE(result.at("event").get<std::string>(), std::string("calibration_result"));
        QCOMPARE(result.at("tokens").get<int>(), 1024);
        QCOMPARE(result.at("inputs").get<int>(), 8); // 2 blocks: q+k+v, o, gate+up, down
        QCOMPARE(CalibrationStats::open(stats).manifest().tokens, std::uint64_t(1024));
        // They serve quantize --calib.
        const auto quantized = test::runLoftq({"quantize", q(model), "-o", dir_.filePath("llama-export"), "--bits", "2",
                                               "--rank", "4", "--iters", "1", "--threads", "2", "--calib", q(stats)});
        QVERIFY2(quantized.exitCode == 0, quantized.err.constData());
        // A second run does not replace them without --force.
        expectRefusal(test::runLoftq(args), stats);
        QVERIFY2(test::runLoftq(args + QStringList{"--force"}).exitCode == 0, "--force replaces the statistics");
    }

    void quantizeCollectsFromCalibText()
    {
        const QString out = dir_.filePath("calib-text");
        const auto r = test::runLoftq({"quantize", q(test::demoModel()), "-o", out, "--bits", "2", "--rank", "8",
                                       "--iters", "1", "--target", kFirstBlock, "--threads", "2", "--calib-text",
                                       data("apache-2.0.txt"), "--max-tokens", "1024", "--context", "256"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY2(r.out.contains("4 windows of 256"), r.out.constData()); // --max-tokens and --context
        const auto report = test::readJson(out.toStdString() + "/loftq_report.json");
        QVERIFY(report.at("calibration").at("statistics").get<std::string>().find("apache-2.0.txt") != std::string::npos);
        for (const auto& l : report.at("layers"))
            QCOMPARE(l.at("objective").get<std::string>(), std::string("output"));
        // The statistics were temporary.
        QVERIFY(QDir(dir_.path()).entryList({"*calibration-*"}, QDir::AllEntries | QDir::Hidden).isEmpty());
        // --calib-text and --calib are one choice.
        const auto both = test::runLoftq({"quantize", q(test::demoModel()), "-o", dir_.filePath("both"), "--calib",
                                          q(stats_), "--calib-text", data("apache-2.0.txt")});
        QCOMPARE(both.exitCode, 2);
    }

    void calibrateRefusesBadInput()
    {
        QTemporaryDir empty;
        const auto out = q(empty.filePath("stats.safetensors").toStdString());
        // A text shorter than one window.
        const auto shortText = empty.filePath("short.txt").toStdString();
        std::ofstream(shortText) << "too short";
        expectRefusal(test::runLoftq({"calibrate", q(test::demoModel()), "--text", q(shortText), "-o", out}), shortText);
        // No tokenizer for a text.
        const auto llama = test::sharedFixture("llama-f16");
        LOFTQ_REQUIRE_SHARED(llama);
        expectRefusal(test::runLoftq({"calibrate", q(llama), "--text", data("apache-2.0.txt"), "-o", out}), llama);
        // A model the forward pass does not compute.
        const auto bert = test::fixture("bert");
        expectRefusal(test::runLoftq({"calibrate", q(bert), "--tokens", data("fixture128.tokens.json"), "-o", out}),
                      bert);
        // Both or neither of --text and --tokens.
        QCOMPARE(test::runLoftq({"calibrate", q(llama), "-o", out}).exitCode, 2);
        QVERIFY(QDir(empty.path()).entryList(QDir::Files | QDir::Hidden).size() == 1); // short.txt alone
    }

    void ctrlCExits130LeavingNothing()
    {
        LOFTQ_REQUIRE_SHARED(test::picoLlama());
        QTemporaryDir empty;
        test::ChildProcess p;
        QVERIFY(p.start(test::loftqBinary().toStdString(), {"calibrate", q(test::picoLlama()), "--text",
                                                            data("gpl-2.txt"), "--max-tokens", "2048", "-o",
                                                            empty.filePath("stats.safetensors"), "--json", "--threads",
                                                            "1"}));
        QVERIFY2(p.readUntil([&] { return p.out().contains("layer_finished"); }, 120000), p.err().constData());
        QVERIFY(::kill(p.pid(), SIGINT) == 0);
        const auto r = p.finish(120000);
        QVERIFY2(!r.crashed && r.exitCode == 130, r.err.constData());
        QVERIFY(QDir(empty.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty());
    }

private:
    QTemporaryDir dir_;
    std::string stats_;
};

QTEST_GUILESS_MAIN(TestCalibCli)
#include "test_calib_cli.moc"
