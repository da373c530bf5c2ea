// `loftq quantize --format`, `loftq unpack` and `loftq plan` as a user runs them: the output
// layout of one and of several formats, exit status 2 for what bitsandbytes cannot hold and for
// bad usage, unpack giving back the hf-peft files, and a budget plan that quantize then runs.
#include "loftq_process.hpp"
#include "lowbit_decoder.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace loftq;
using test::runLoftq;

namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString describe(const test::CliResult& r)
{
    return QString("exit %1, stdout: %2, stderr: %3").arg(r.exitCode).arg(QString::fromUtf8(r.out.right(2000)))
        .arg(QString::fromUtf8(r.err.right(2000)));
}

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

const QStringList kSmallRun{"--rank", "4", "--iters", "2", "--threads", "1"};

} // namespace

class TestCliFormats : public QObject {
    Q_OBJECT
private slots:
    void oneFormatWritesIntoOutSeveralIntoSubfolders()
    {
        QTemporaryDir dir;
        const std::string one = dir.filePath("one").toStdString(), all = dir.filePath("all").toStdString();
        const auto source = q(test::fixture("llama-sharded-bf16"));
        auto r = runLoftq(QStringList{"quantize", source, "-o", q(one), "--format", "packed"} + kSmallRun);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        for (const char* f : {"model.loftq", "loftq_report.json", "loftq_plan.json", "loftq_manifest.json"})
            QVERIFY2(fs::exists(one + "/" + f), f);
        QVERIFY(!fs::exists(one + "/config.json"));

        r = runLoftq(QStringList{"quantize", source, "-o", q(all), "--format", "hf-peft", "--format", "bnb-nf4",
                                 "--format", "packed"} + kSmallRun);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY(fs::exists(all + "/hf-peft/model-00001-of-00003.safetensors"));
        QVERIFY(fs::exists(all + "/bnb-nf4/model-00001-of-00003.safetensors"));
        QVERIFY(fs::exists(all + "/packed/model.loftq"));
        for (const char* format : {"hf-peft", "bnb-nf4", "packed"})
            for (const char* f : {"loftq_report.json", "loftq_plan.json", "loftq_manifest.json"})
                QVERIFY2(fs::exists(all + "/" + format + "/" + f), f);
        QVERIFY(!fs::exists(all + "/config.json")); // nothing of a format at the top
        const auto manifest = test::readJson(all + "/loftq_manifest.json").at("files");
        QVERIFY(std::find(manifest.begin(), manifest.end(), "bnb-nf4/config.json") != manifest.end());
        QVERIFY(std::find(manifest.begin(), manifest.end(), "packed/model.loftq") != manifest.end());
        // --force replaces a multi-format export with a single-format one, and only our files go.
        r = runLoftq(QStringList{"quantize", source, "-o", q(all), "--force"} + kSmallRun);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY(fs::exists(all + "/config.json") && !fs::exists(all + "/packed/model.loftq"));
    }

    void bnbRefusesOtherSettingsWithExitTwo()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        const auto r = runLoftq(QStringList{"quantize", q(test::fixture("llama")), "-o", q(out), "--format", "bnb-nf4",
                                            "--bits", "2"} + kSmallRun);
        QVERIFY2(r.exitCode == 2 && r.err.contains("bitsandbytes NF4 needs every quantized layer nf, 4 bits"),
                 qPrintable(describe(r)));
        QVERIFY(!fs::exists(out));
    }

    void unpackGivesBackTheHfPeftExport()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        const auto source = q(test::fixture("gpt2"));
        auto r = runLoftq(QStringList{"quantize", source, "-o", q(out), "--format", "hf-peft", "--format", "packed",
                                      "--bits", "3"} + kSmallRun);
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        fs::rename(out + "/hf-peft", out + "/direct");
        r = runLoftq({"unpack", q(out + "/packed/model.loftq"), "-o", q(out + "/hf-peft")});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QCOMPARE(test::treeHash(out + "/hf-peft"), test::treeHash(out + "/direct"));
        // Unpacking again needs --force, and with it replaces its own files. PACKED may also be the
        // folder a user has in hand: the packed export's, or the top of a several-format export.
        r = runLoftq({"unpack", q(out + "/packed"), "-o", q(out + "/hf-peft")});
        QVERIFY2(r.exitCode == 2 && r.err.contains("not empty"), qPrintable(describe(r)));
        for (const auto& packed : {out + "/packed", out}) {
            r = runLoftq({"unpack", q(packed), "-o", q(out + "/hf-peft"), "--force"});
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
            QCOMPARE(test::treeHash(out + "/hf-peft"), test::treeHash(out + "/direct"));
        }
    }

    void badUsageIsExitTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("phrase");
        const auto llama = q(test::fixture("llama"));
        QTest::newRow("unknown format") << QStringList{"quantize", llama, "-o", "x", "--format", "gguf"} << "--format";
        QTest::newRow("format on inspect") << QStringList{"inspect", llama, "--format", "packed"} << "not an option of inspect";
        QTest::newRow("bits on unpack") << QStringList{"unpack", "m.loftq", "-o", "x", "--bits", "2"} << "not an option of unpack";
        QTest::newRow("unpack without -o") << QStringList{"unpack", "m.loftq"} << "needs -o";
        QTest::newRow("unpack a folder without model.loftq") << QStringList{"unpack", q(test::fixture("llama")), "-o", "/tmp/loftq-never"}
                                                            << "is a folder with no model.loftq";
        QTest::newRow("unpack a checkpoint") << QStringList{"unpack", q(test::fixture("llama") + "/model.safetensors"), "-o", "/tmp/loftq-never"}
                                             << "not a packed LoftQ export";
        QTest::newRow("plan without budget") << QStringList{"plan", llama, "-o", "p.json"} << "--budget";
        QTest::newRow("plan bad budget") << QStringList{"plan", llama, "-o", "p.json", "--budget", "3parsecs"} << "--budget";
        QTest::newRow("plan bad bits choice") << QStringList{"plan", llama, "-o", "p.json", "--budget", "3bits", "--bits-choices", "2,5"}
                                              << "5 bits";
        QTest::newRow("budget on quantize") << QStringList{"quantize", llama, "-o", "x", "--budget", "3bits"} << "not an option of quantize";
    }

    void badUsageIsExitTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, phrase);
        const auto r = runLoftq(args);
        QVERIFY2(r.exitCode == 2 && r.err.contains(phrase.toUtf8()), qPrintable(describe(r)));
        QVERIFY(!fs::exists("/tmp/loftq-never"));
    }

    void planWritesAPlanThatQuantizeRuns()
    {
        QTemporaryDir dir;
        const std::string planFile = dir.filePath("plan.json").toStdString(), out = dir.filePath("out").toStdString();
        const auto source = q(test::fixture("llama-sharded-bf16"));
        auto r = runLoftq({"plan", source, "--budget", "3bits", "-o", q(planFile), "--rank", "4", "--bits-choices",
                           "2,3,4", "--compare", "mixed:1"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        QVERIFY(r.out.contains("planned") && r.out.contains("preset mixed:1"));
        const auto plan = test::readJson(planFile);
        QCOMPARE(plan.at("layers").size(), std::size_t(14));
        // Existing plan files are not replaced without --force; --json gives the figures as JSON.
        r = runLoftq({"plan", source, "--budget", "3bits", "-o", q(planFile)});
        QVERIFY2(r.exitCode == 2 && r.err.contains("exists"), qPrintable(describe(r)));
        r = runLoftq({"plan", source, "--budget", "3bits", "-o", q(planFile), "--rank", "4", "--bits-choices", "2,3,4",
                      "--compare", "mixed:1", "--json", "--force"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const auto figures = nlohmann::json::parse(r.out.toStdString());
        QVERIFY(figures.at("planned").at("total_rel_error").get<double>() <=
                figures.at("compared").at("mixed:1").at("total_rel_error").get<double>());
        QVERIFY(figures.at("planned").at("average_bits").get<double>() <= 3.0);

        r = runLoftq(QStringList{"quantize", source, "--plan", q(planFile), "-o", q(out), "--format", "packed",
                                 "--format", "hf-peft", "--iters", "1"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const auto report = test::readJson(out + "/hf-peft/loftq_report.json");
        for (const auto& layer : report.at("layers"))
            QCOMPARE(layer.at("bits").get<int>(), plan.at("layers").at(layer.at("tensor").get<std::string>()).at("bits").get<int>());
        const auto d = test::decodeLowBit({"packed", q(out + "/packed/model.loftq"), q(out + "/hf-peft")});
        QVERIFY2(d.exitCode == 0, qPrintable(d.output.right(3000)));
    }
};

QTEST_GUILESS_MAIN(TestCliFormats)
#include "test_cli_formats.moc"
