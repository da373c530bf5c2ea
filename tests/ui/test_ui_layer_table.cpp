// The layer table model: edits through setData reach the plan and the size estimate, invalid
// edits are refused, presets and rules apply, plans round-trip through the CLI's JSON, and the
// model passes QAbstractItemModelTester throughout.
#include "layer_table_model.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"
#include "ui_test_support.hpp"

#include <QAbstractItemModelTester>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>

using namespace loftq;
using namespace loftq::ui;

class TestLayerTable : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PlanDocument> document;
    std::unique_ptr<RunResults> results;
    std::unique_ptr<LayerTableModel> model;

    int rowOf(const char* tensorName) const { return document->rowOf(tensorName); }
    QModelIndex cell(int row, int column) const { return model->index(row, column); }

private slots:
    void init()
    {
        document = std::make_unique<PlanDocument>();
        results = std::make_unique<RunResults>();
        model = std::make_unique<LayerTableModel>(*document, *results);
        document->setCheckpoint(test::openCheckpoint(test::fixturePath("llama")));
    }

    void cleanup()
    {
        model.reset();
        results.reset();
        document.reset();
    }

    void showsEveryTargetInModelOrder()
    {
        QCOMPARE(model->rowCount(), 14);
        QCOMPARE(model->columnCount(), int(LayerTableModel::ColumnCount));
        for (int row = 0; row < 7; ++row)
            QCOMPARE(cell(row, LayerTableModel::Block).data().toInt(), 0);
        const int q = rowOf("model.layers.1.self_attn.q_proj.weight");
        QCOMPARE(cell(q, LayerTableModel::Role).data().toString(), QString("q_proj"));
        QCOMPARE(cell(q, LayerTableModel::Shape).data().toString(), QString("64 × 64"));
        QCOMPARE(cell(q, LayerTableModel::DType).data().toString(), QString("F16"));
        QCOMPARE(cell(q, LayerTableModel::Bits).data().toString(), QString("4"));
        QCOMPARE(cell(q, LayerTableModel::Rank).data().toInt(), 16);
        QVERIFY(model->flags(cell(q, LayerTableModel::Rank)) & Qt::ItemIsEditable);
        QVERIFY(!(model->flags(cell(q, LayerTableModel::Name)) & Qt::ItemIsEditable));
    }

    void passesItemModelTesterThroughEdits()
    {
        QAbstractItemModelTester tester(model.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(model->setData(cell(0, LayerTableModel::Bits), 2));
        QVERIFY(model->setData(cell(1, LayerTableModel::Rank), 32));
        document->applyPreset("mixed:1");
        Plan onlyMlp = document->plan();
        onlyMlp.targets = {"mlp"};
        document->setPlan(onlyMlp); // fewer layers: a model reset
        QCOMPARE(model->rowCount(), 6);
        results->begin({{"model.layers.0.mlp.up_proj.weight", 5}});
        ProgressEvent step;
        step.kind = ProgressEvent::Kind::StepFinished;
        step.layer = "model.layers.0.mlp.up_proj.weight";
        step.relError = 0.1;
        results->apply(step);
        document->setCheckpoint(test::openCheckpoint(test::fixturePath("gpt2")));
        QCOMPARE(model->rowCount(), 8);
    }

    void editingBitsChangesPlanAndSize()
    {
        const int row = rowOf("model.layers.0.mlp.up_proj.weight");
        const auto name = document->layers()[row].layer.tensorName;
        const auto before = document->sizeEstimate();
        QSignalSpy changed(model.get(), &QAbstractItemModel::dataChanged);

        QVERIFY(model->setData(cell(row, LayerTableModel::Bits), 2));
        QCOMPARE(document->plan().layers.at(name).bits, std::optional<int>(2));
        QCOMPARE(cell(row, LayerTableModel::Bits).data().toString(), QString("2"));
        QVERIFY(!changed.isEmpty());
        // 176 x 64 elements: 2 bits each instead of 4 saves 176 * 64 * 2 / 8 bytes.
        const auto twoBit = document->sizeEstimate();
        QCOMPARE(before.backboneBytes - twoBit.backboneBytes, std::uint64_t(176 * 64 * 2 / 8));
        QCOMPARE(twoBit.adapterBytes, before.adapterBytes);

        QVERIFY(model->setData(cell(row, LayerTableModel::Bits), "keep"));
        QVERIFY(!document->layers()[row].plan.quantize);
        QCOMPARE(cell(row, LayerTableModel::Bits).data().toString(), QString("keep"));
        const auto kept = document->sizeEstimate();
        QCOMPARE(kept.adapterBytes, before.adapterBytes - std::uint64_t((176 + 64) * 16 * 4));
        QCOMPARE(document->layerSize(row).backboneBytes, std::uint64_t(176 * 64 * 2)); // F16 as stored
    }

    void editingRankChangesAdapterSize()
    {
        const int row = rowOf("model.layers.1.self_attn.q_proj.weight");
        const auto before = document->sizeEstimate();
        QVERIFY(model->setData(cell(row, LayerTableModel::Rank), 48));
        QCOMPARE(document->layers()[row].plan.rank, 48);
        QCOMPARE(cell(row, LayerTableModel::Rank).data().toInt(), 48);
        QCOMPARE(document->sizeEstimate().adapterBytes - before.adapterBytes, std::uint64_t((64 + 64) * 32 * 4));
        // A rank above min(out, in) is lowered by the engine, and so by the estimate.
        QVERIFY(model->setData(cell(row, LayerTableModel::Rank), 1000));
        QCOMPARE(document->layerSize(row).adapterBytes, std::uint64_t((64 + 64) * 64 * 4));
        QVERIFY(model->setData(cell(row, LayerTableModel::Steps), 2));
        QVERIFY(model->setData(cell(row, LayerTableModel::Quantizer), "uniform"));
        QCOMPARE(document->layers()[row].plan.steps, 2);
        QCOMPARE(document->layers()[row].plan.method, QuantMethod::Uniform);
    }

    void refusesInvalidEdits()
    {
        const Plan before = document->plan();
        QVERIFY(!model->setData(cell(0, LayerTableModel::Bits), 5));
        QVERIFY(!model->setData(cell(0, LayerTableModel::Rank), 0));
        QVERIFY(!model->setData(cell(0, LayerTableModel::Steps), "many"));
        QVERIFY(!model->setData(cell(0, LayerTableModel::Quantizer), "int4"));
        QVERIFY(!model->setData(cell(0, LayerTableModel::Name), "renamed"));
        QCOMPARE(document->plan(), before);
    }

    void bulkEditSetsEverySelectedLayer()
    {
        std::vector<std::string> names;
        for (const auto& l : document->layers())
            if (l.layer.role == "v_proj" || l.layer.role == "k_proj")
                names.push_back(l.layer.tensorName);
        LayerPatch patch;
        patch.bits = 8;
        patch.rank = 4;
        QVERIFY(document->patchLayers(names, patch));
        for (const auto& l : document->layers()) {
            const bool chosen = l.layer.role == "v_proj" || l.layer.role == "k_proj";
            QCOMPARE(l.plan.bits, chosen ? 8 : 4);
            QCOMPARE(l.plan.rank, chosen ? 4 : 16);
        }
    }

    void mixedPresetGivesFirstBlocksFourBits()
    {
        const int row = rowOf("model.layers.1.mlp.up_proj.weight");
        QVERIFY(model->setData(cell(row, LayerTableModel::Bits), 8));
        QVERIFY(model->setData(cell(row, LayerTableModel::Rank), 8));
        document->applyPreset("mixed:1");
        for (const auto& l : document->layers())
            QCOMPARE(l.plan.bits, l.layer.place.block == 0 ? 4 : 2);
        // The preset replaced the bits edit but kept the rank edit.
        QCOMPARE(document->layers()[row].plan.rank, 8);
        QCOMPARE(document->sizeEstimate().averageTargetBits, 3.0);
        document->applyPreset("all:2");
        for (const auto& l : document->layers())
            QCOMPARE(l.plan.bits, 2);
    }

    void rulesByNamePattern()
    {
        PlanRule rule;
        rule.pattern = "mlp\\.(up|gate)";
        rule.patch.bits = 8;
        QVERIFY(document->addRule(rule));
        for (const auto& l : document->layers())
            QCOMPARE(l.plan.bits, (l.layer.role == "up_proj" || l.layer.role == "gate_proj") ? 8 : 4);
        // A per-layer edit wins over the rule.
        const int up = rowOf("model.layers.0.mlp.up_proj.weight");
        QVERIFY(model->setData(cell(up, LayerTableModel::Bits), 3));
        QCOMPARE(document->layers()[up].plan.bits, 3);
        PlanRule broken;
        broken.pattern = "(unclosed";
        broken.patch.rank = 2;
        QVERIFY(!document->addRule(broken));
        QCOMPARE(document->plan().rules.size(), std::size_t(1));
        document->removeRule(0);
        QVERIFY(document->plan().rules.empty());
    }

    void planFileIsTheJsonTheCliReads()
    {
        document->applyPreset("mixed:1");
        QVERIFY(model->setData(cell(rowOf("model.layers.1.self_attn.v_proj.weight"), LayerTableModel::Rank), 8));
        QVERIFY(model->setData(cell(rowOf("model.layers.0.mlp.down_proj.weight"), LayerTableModel::Bits), "keep"));
        QTemporaryDir dir;
        const QString planFile = dir.filePath("plan.json");
        std::ofstream(planFile.toStdString()) << document->plan().toJson().dump(2) << "\n";
        QCOMPARE(Plan::load(planFile.toStdString()), document->plan());

        // The CLI runs it and writes the same plan beside its export.
        QProcess cli;
        cli.start(QStringLiteral(LOFTQ_BIN_DIR "/loftq"),
                  {"quantize", test::fixturePath("llama"), "-o", dir.filePath("out"), "--plan", planFile});
        QVERIFY(cli.waitForFinished(120000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QCOMPARE(Plan::load(dir.filePath("out/loftq_plan.json").toStdString()), document->plan());
    }
};

QTEST_MAIN(TestLayerTable)
#include "test_ui_layer_table.moc"
