// Every fixture architecture quantized and exported, then checked by the independent numpy reader:
// errors recomputed from the exported files, non-targets byte-identical, PEFT scaling right.
#include "export_checker.hpp"
#include "loftq/runner.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;

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
