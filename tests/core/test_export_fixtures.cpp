// Every fixture architecture quantized and exported, then checked by the independent numpy reader:
// errors recomputed from the exported files, non-targets byte-identical, PEFT scaling right. Two
// sets, both written by transformers 5.17's save_pretrained: tests/fixtures (ours: 2 blocks, a layer
// split across shards, see its README) and shared/fixtures (1 block, other dtypes, and stories260K,
// a trained model), the latter in every export format, bnb-nf4 and packed decoded back to the
// hf-peft Q.
#include "export_checker.hpp"
#include "loftq/packed_format.hpp"
#include "loftq/runner.hpp"
#include "lowbit_decoder.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using namespace loftq;

namespace {

// Every file under `root` by relative path, with its bytes.
std::map<std::string, std::string> filesUnder(const std::string& root)
{
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file()) {
            std::ifstream in(e.path(), std::ios::binary);
            files[fs::relative(e.path(), root).string()] = {std::istreambuf_iterator<char>(in), {}};
        }
    return files;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

} // namespace

class TestExportFixtures : public QObject {
    Q_OBJECT
private slots:
    void everyFixtureExportsAndChecks_data()
    {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"llama", "llama-sharded-bf16", "qwen2", "phi3", "gpt2", "bert", "deberta-v2", "bart", "t5"})
            QTest::newRow(f) << f;
    }

    void everyFixtureExportsAndChecks()
    {
        QFETCH(QString, fixture);
        const auto source = test::fixture(fixture.toStdString());
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan;
        plan.defaults.bits = 2;
        plan.defaults.rank = 4;
        plan.defaults.steps = 3;
        const auto report = runJob(Checkpoint::open(source), plan, {.outputDir = out});
        QVERIFY(!report.layers.empty());
        for (const auto& l : report.layers)
            QVERIFY(l.relError < l.qloraRelError);
        const auto check = test::checkExport(source, out);
        QVERIFY2(check.exitCode == 0, qPrintable(check.output.right(3000)));
        const auto config = test::readJson(out + "/loftq_init/adapter_config.json");
        QCOMPARE(config.at("fan_in_fan_out").get<bool>(), fixture == "gpt2");
    }

    void transformersFixturesExportInEveryFormat_data()
    {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"llama-f16", "llama-bf16-sharded", "qwen2-bf16", "phi3-f32", "gpt2-f32", "bert-f32",
                              "deberta-v2-f32", "bart-f16", "t5-f32", "stories260K"})
            QTest::newRow(f) << f;
    }

    void transformersFixturesExportInEveryFormat()
    {
        QFETCH(QString, fixture);
        const auto source = test::sharedFixture(fixture.toStdString());
        LOFTQ_REQUIRE_SHARED(source);
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan; // nf4: the one setting bitsandbytes holds
        plan.defaults.rank = 4;
        plan.defaults.steps = 2;
        const auto report = runJob(Checkpoint::open(source), plan,
                                   {.outputDir = out, .formats = {ExportFormat::HfPeft, ExportFormat::BnbNf4, ExportFormat::Packed}});
        QVERIFY(!report.layers.empty());
        for (const auto& l : report.layers)
            QVERIFY2(l.relError < l.qloraRelError, l.layer.tensorName.c_str());
        const auto hf = out + "/hf-peft";
        const auto check = test::checkExport(source, hf);
        QVERIFY2(check.exitCode == 0, qPrintable(check.output.right(3000)));
        QCOMPARE(test::readJson(hf + "/loftq_init/adapter_config.json").at("fan_in_fan_out").get<bool>(),
                 fixture == "gpt2-f32");
        const std::string packed = out + "/packed/" + kPackedFileName;
        auto decoded = test::decodeLowBit({"bnb", q(out + "/bnb-nf4"), q(hf)});
        QVERIFY2(decoded.exitCode == 0, qPrintable(decoded.output.right(3000)));
        decoded = test::decodeLowBit({"packed", q(packed), q(hf)});
        QVERIFY2(decoded.exitCode == 0, qPrintable(decoded.output.right(3000)));
        const auto loaded = test::bnbLoadCheck(out + "/bnb-nf4", hf);
        QVERIFY2(loaded.exitCode == 0, qPrintable(loaded.output.right(3000)));
        // Unpacked into the hf-peft folder's place, the packed file gives back every byte.
        fs::rename(hf, out + "/direct");
        unpackToHfPeft(packed, hf, false);
        const auto unpacked = filesUnder(hf), direct = filesUnder(out + "/direct");
        QCOMPARE(unpacked.size(), direct.size());
        for (const auto& [name, bytes] : direct)
            QVERIFY2(unpacked.count(name) && unpacked.at(name) == bytes, name.c_str());
    }

    void alphaAndPerLayerRanksAreScaledForPeft()
    {
        // alpha != r and ranks differing per layer: PEFT's own LoftQ init gets this wrong.
        const auto source = test::fixture("gpt2");
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan;
        plan.defaults.rank = 4;
        plan.alpha = 16;
        plan.adapterDtype = DType::BF16;
        plan.rules.push_back({"c_fc", {}, {}, {.rank = 8}});
        runJob(Checkpoint::open(source), plan, {.outputDir = out});
        const auto config = test::readJson(out + "/loftq_init/adapter_config.json");
        QCOMPARE(config.at("lora_alpha").get<double>(), 16.0);
        QCOMPARE(config.at("rank_pattern").size(), 2u); // c_fc in both blocks
        QCOMPARE(config.at("alpha_pattern").size(), 2u);
        const auto check = test::checkExport(source, out);
        QVERIFY2(check.exitCode == 0, qPrintable(check.output.right(3000)));
    }

    void measureOnlyRunWritesNothing()
    {
        QTemporaryDir dir;
        const auto report = runJob(Checkpoint::open(test::fixture("llama")), Plan{}, {});
        QCOMPARE(int(report.layers.size()), 14);
        QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size(), 0);
    }
};

QTEST_GUILESS_MAIN(TestExportFixtures)
#include "test_export_fixtures.moc"
