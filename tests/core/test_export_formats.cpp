// The export formats table (loftq/export_format.hpp), entry by entry: each parses by its name,
// describes itself, makes a writer of its own name, estimates a size, suits a plain nf4 plan and
// exports it; a format that does not suit a plan says why, and a run refuses the plan with that
// reason before computing anything; the nf arithmetic a run uses comes from the table.
#include "loftq/errors.hpp"
#include "loftq/runner.hpp"
#include "loftq/size_estimate.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>

namespace fs = std::filesystem;
using namespace loftq;

class TestExportFormats : public QObject {
    Q_OBJECT
private slots:
    void everyEntryIsComplete()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        const Plan plan; // nf, 4 bits, block 64: every format can hold it
        const auto layers = planLayers(cp, plan);
        const auto estimate = estimateExportSize(cp, layers, plan.adapterDtype);
        QVERIFY(!exportFormats().empty());
        for (const auto& f : exportFormats()) {
            QCOMPARE(&exportFormatTraits(f.format), &f);
            QCOMPARE(parseExportFormat(f.name), std::optional(f.format));
            QCOMPARE(exportFormatName(f.format), f.name);
            QVERIFY(exportFormatNames().find(f.name) != std::string::npos);
            QVERIFY(!f.description.empty());
            QCOMPARE(f.makeWriter(std::string())->formatName(), std::string(f.name));
            QVERIFY(f.estimatedBytes(estimate) > estimate.adapterBytes);
            QCOMPARE(estimatedExportBytes(f.format, estimate), f.estimatedBytes(estimate));
            QVERIFY2(!f.whyUnsuitable(cp, layers), std::string(f.name).c_str());
        }
        QVERIFY(!parseExportFormat("hf_peft"));
    }

    void everyFormatExports()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        Plan plan;
        plan.defaults.rank = 4;
        plan.defaults.steps = 1;
        for (const auto& f : exportFormats()) {
            QTemporaryDir dir;
            const std::string out = dir.filePath("out").toStdString();
            const auto report = runJob(cp, plan, {.outputDir = out, .formats = {f.format}});
            QVERIFY(!report.layers.empty());
            QVERIFY2(fs::exists(fs::path(out) / "loftq_manifest.json"), std::string(f.name).c_str());
        }
    }

    void unsuitablePlansAreRefusedWithTheTablesReason()
    {
        const auto cp = Checkpoint::open(test::fixture("llama"));
        Plan plan;
        applyPreset(plan, "mixed:1"); // 2-bit layers: not bitsandbytes NF4
        const auto layers = planLayers(cp, plan);
        int refused = 0;
        for (const auto& f : exportFormats()) {
            const auto why = f.whyUnsuitable(cp, layers);
            if (!why)
                continue;
            ++refused;
            QTemporaryDir dir;
            const std::string out = dir.filePath("out").toStdString();
            try {
                runJob(cp, plan, {.outputDir = out, .formats = {f.format}});
                QFAIL("a run accepted a plan its format's table entry refuses");
            } catch (const Error& e) {
                QCOMPARE(e.kind(), ErrorKind::BadInput);
                QVERIFY2(std::string(e.what()).find(*why) != std::string::npos, e.what());
            }
            QVERIFY(!fs::exists(out));
        }
        QVERIFY(exportFormatTraits(ExportFormat::BnbNf4).whyUnsuitable(cp, layers));
        QCOMPARE(refused, 1);
    }

    void nfArithmeticComesFromTheTable()
    {
        QCOMPARE(nfArithmeticFor({}), ScaleArithmetic::Divide);
        for (const auto& f : exportFormats())
            QCOMPARE(nfArithmeticFor({ExportFormat::HfPeft, f.format}),
                     f.nfArithmetic.value_or(ScaleArithmetic::Divide));
        QCOMPARE(nfArithmeticFor({ExportFormat::BnbNf4}), ScaleArithmetic::MultiplyByReciprocal);
    }
};

QTEST_GUILESS_MAIN(TestExportFormats)
#include "test_export_formats.moc"
