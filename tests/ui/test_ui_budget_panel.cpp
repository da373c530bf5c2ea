// The budget control, driven through its widgets on the demo model (pico-llama-2L, real weights):
// after "Measure", the plan it applies at 3 bits is the one the engine's planForBudget writes and
// the error it shows is planForBudget's summary; a new budget re-solves without measuring again;
// fewer bits choices need no new measurement, unmeasured ones do; cancelling leaves the plan as it
// was; an edit of what was measured (quantizer, block size, kept layers, a new checkpoint) makes the
// curves stale, an edit of steps does not.
#include "budget_measurer.hpp"
#include "budget_panel.hpp"
#include "budget_text.hpp"
#include "layer_table_model.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"
#include "ui_test_support.hpp"

#include <QCheckBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QtTest>
#include <set>

using namespace loftq;
using namespace loftq::ui;

class TestBudgetPanel : public QObject {
    Q_OBJECT

private:
    std::unique_ptr<PlanDocument> document;
    std::unique_ptr<RunResults> results;
    std::unique_ptr<LayerTableModel> model;
    std::unique_ptr<BudgetPanel> panel;

    void open(const QString& path) { document->setCheckpoint(test::openCheckpoint(path)); }

    // Clicks Measure and waits for the first solution (the budget field's, 3 bits by default).
    bool measure()
    {
        QSignalSpy solved(panel.get(), &BudgetPanel::solutionChanged);
        QTest::mouseClick(panel->measureButton(), Qt::LeftButton);
        return solved.wait(test::engineMs(60000)) && panel->solution() && panel->solution()->error.isEmpty();
    }

    // Types a budget and waits for its solution.
    bool setBudget(const QString& text)
    {
        QSignalSpy solved(panel.get(), &BudgetPanel::solutionChanged);
        panel->budgetEdit()->setText(text);
        return solved.wait(test::engineMs(10000)) && panel->solution().has_value();
    }

    QStringList bitsColumn() const
    {
        QStringList bits;
        for (int row = 0; row < model->rowCount(); ++row)
            bits << model->index(row, LayerTableModel::Bits).data().toString();
        return bits;
    }

private slots:
    void init()
    {
        document = std::make_unique<PlanDocument>();
        results = std::make_unique<RunResults>();
        model = std::make_unique<LayerTableModel>(*document, *results);
        panel = std::make_unique<BudgetPanel>(*document);
        panel->setThreads(1);
    }

    void cleanup()
    {
        panel.reset();
        model.reset();
        results.reset();
        document.reset();
    }

    void appliesWhatPlanForBudgetChooses()
    {
        open(test::demoModelPath());
        const Plan base = document->plan();
        QVERIFY(!panel->applyButton()->isEnabled());
        QVERIFY(measure());
        QVERIFY(setBudget("3"));
        QVERIFY(panel->applyButton()->isEnabled());
        QTest::mouseClick(panel->applyButton(), Qt::LeftButton);

        BudgetOptions options; // bits 2, 3, 4, 8 as the panel's boxes; one step; one thread as the panel here
        const auto engine = planForBudget(*document->checkpoint(), base, Budget{Budget::Kind::AverageBits, 3}, options);
        QCOMPARE(document->plan(), engine.plan);
        for (int row = 0; row < model->rowCount(); ++row) {
            const auto& layer = document->layers()[std::size_t(row)].layer;
            QCOMPARE(model->index(row, LayerTableModel::Bits).data().toString(),
                     QString::number(engine.plan.resolve(layer).bits));
            QVERIFY(model->index(row, LayerTableModel::Bits).data(Qt::FontRole).value<QFont>().bold());
            // The planner's expectation of each layer, beside where the run's errors will appear.
            const auto& expected = engine.plan.expectation->layers.at(layer.tensorName);
            QCOMPARE(model->index(row, LayerTableModel::PlannedError).data(LayerTableModel::SortRole).toDouble(),
                     expected.relError);
            QCOMPARE(model->index(row, LayerTableModel::PlannedError).data().toString(),
                     QString::number(expected.relError, 'f', 5));
        }
        const auto& shown = *panel->solution();
        QCOMPARE(shown.summary.totalRelError, engine.summary.totalRelError);
        QCOMPARE(shown.summary.bytes, engine.summary.bytes);
        QCOMPARE(shown.summary.averageBits, engine.summary.averageBits);
        QCOMPARE(shown.capacity, engine.capacity);
        QVERIFY(panel->resultLabel()->text().contains(errorText(engine.summary.totalRelError)));

        // The paper's mixed:1 is 3 bits on 2 blocks: the same budget, and its error from the same curves.
        Plan mixedPlan = base;
        applyPreset(mixedPlan, "mixed:1");
        const auto mixed = choiceOf(engine.curves, mixedPlan);
        QVERIFY(mixed);
        QVERIFY(shown.paperPreset);
        QCOMPARE(shown.paperPreset->blocks, 1);
        QCOMPARE(shown.paperPreset->summary.totalRelError, summarize(engine.curves, *mixed).totalRelError);
        QVERIFY(panel->resultLabel()->text().contains(errorText(shown.paperPreset->summary.totalRelError)));
        QVERIFY(shown.summary.totalRelError <= shown.paperPreset->summary.totalRelError);

        // Applying did not make the curves stale: another budget is solved at once, on the same curves.
        auto* measurer = panel->findChild<BudgetMeasurer*>();
        QSignalSpy measuring(measurer, &BudgetMeasurer::progress);
        QVERIFY(panel->hasCurves());
        QVERIFY(setBudget("2.5 bits"));
        const auto capacity = targetCapacity(Budget{Budget::Kind::AverageBits, 2.5}, *document->checkpoint(), base,
                                             engine.curves);
        const auto allocation = allocateBudget(engine.curves, capacity);
        QCOMPARE(panel->solution()->summary.totalRelError, summarize(engine.curves, allocation.choice).totalRelError);
        QCOMPARE(measuring.count(), 0);
        QTest::mouseClick(panel->applyButton(), Qt::LeftButton);
        std::set<int> mixed25;
        for (std::size_t l = 0; l < engine.curves.size(); ++l) {
            const int bits = engine.curves[l].options[allocation.choice[l]].bits;
            const int row = document->rowOf(engine.curves[l].layer.tensorName);
            QCOMPARE(model->index(row, LayerTableModel::Bits).data().toString(), QString::number(bits));
            mixed25.insert(bits);
        }
        QVERIFY(mixed25.size() > 1); // 2.5 bits mixes settings, so the check above tells layers apart

        // An edit of a layer's setting leaves its expectation behind: its cell empties, the others stay.
        QVERIFY(!model->index(0, LayerTableModel::PlannedError).data().toString().isEmpty());
        LayerPatch otherRank;
        otherRank.rank = document->layers().front().plan.rank + 1;
        QVERIFY(document->patchLayers({document->layers().front().layer.tensorName}, otherRank));
        QCOMPARE(model->index(0, LayerTableModel::PlannedError).data().toString(), QString());
        QVERIFY(!model->index(1, LayerTableModel::PlannedError).data().toString().isEmpty());
    }

    void fewerChoicesNeedNoNewMeasurement()
    {
        open(test::demoModelPath());
        QVERIFY(measure());
        QSignalSpy solved(panel.get(), &BudgetPanel::solutionChanged);
        panel->bitsBox(3)->setChecked(false);
        QVERIFY(solved.wait(test::engineMs(10000)));
        panel->bitsBox(8)->setChecked(false); // now 2 and 4, the paper's settings
        QVERIFY(solved.wait(test::engineMs(10000)));
        QVERIFY(panel->solution() && panel->solution()->error.isEmpty());
        for (const auto& [name, patch] : panel->solution()->patches)
            QVERIFY(*patch.bits == 2 || *patch.bits == 4);
        QVERIFY(panel->solution()->paperPreset);

        // Ranks were not measured: the control asks for a measurement and offers nothing to apply.
        panel->ranksEdit()->setText("8, 32");
        QVERIFY(!panel->solution());
        QVERIFY(!panel->applyButton()->isEnabled());
        QVERIFY(panel->resultLabel()->text().contains("Measure"));

        // A budget below the smallest settings says so.
        panel->ranksEdit()->clear();
        QVERIFY(setBudget("1 MB"));
        QVERIFY(!panel->solution()->error.isEmpty());
        QVERIFY(!panel->applyButton()->isEnabled());
    }

    void cancelLeavesThePlanUntouched()
    {
        open(test::demoModelPath());
        document->applyPreset("mixed:1");
        const Plan before = document->plan();
        const QStringList bitsBefore = bitsColumn();
        auto* measurer = panel->findChild<BudgetMeasurer*>();
        QSignalSpy progress(measurer, &BudgetMeasurer::progress);
        QSignalSpy cancelled(measurer, &BudgetMeasurer::cancelled);
        QTest::mouseClick(panel->measureButton(), Qt::LeftButton);
        QVERIFY(progress.wait(test::engineMs(30000))); // mid-way: at least one setting measured
        QVERIFY(progress.first().at(0).toInt() >= 1);
        QCOMPARE(panel->measureButton()->text(), QString("Cancel"));
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(panel->measureButton(), Qt::LeftButton);
        QVERIFY(cancelled.wait(test::engineMs(10000)));
        LOFTQ_VERIFY_WALL_TIME(clock.elapsed() < 2000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
        QVERIFY(progress.count() < 56); // 14 layers x 4 bits: it stopped early
        QCOMPARE(document->plan(), before);
        QCOMPARE(bitsColumn(), bitsBefore);
        QVERIFY(!panel->hasCurves());
        QVERIFY(!panel->applyButton()->isEnabled());
        QCOMPARE(panel->measureButton()->text(), QString("Measure"));
    }

    void editsOfWhatWasMeasuredMakeTheCurvesStale()
    {
        open(test::fixturePath("llama"));
        const std::string layer = document->layers().front().layer.tensorName;
        QVERIFY(measure());
        LayerPatch steps;
        steps.steps = 9; // measurements run one step whatever the plan says
        QVERIFY(document->patchLayers({layer}, steps));
        QVERIFY(panel->hasCurves());
        LayerPatch uniform;
        uniform.method = QuantMethod::Uniform;
        QVERIFY(document->patchLayers({layer}, uniform));
        QVERIFY(!panel->hasCurves());
        QVERIFY(!panel->solution());
        QVERIFY(!panel->applyButton()->isEnabled());

        QVERIFY(measure());
        LayerPatch keep;
        keep.keep = true;
        QVERIFY(document->patchLayers({layer}, keep));
        QVERIFY(!panel->hasCurves());

        QVERIFY(measure());
        open(test::fixturePath("llama"));
        QVERIFY(!panel->hasCurves());
    }

    void closingWhileMeasuringJoinsPromptly()
    {
        open(test::demoModelPath());
        QSignalSpy progress(panel->findChild<BudgetMeasurer*>(), &BudgetMeasurer::progress);
        QTest::mouseClick(panel->measureButton(), Qt::LeftButton);
        QVERIFY(progress.wait(test::engineMs(30000)));
        QVERIFY(progress.first().at(0).toInt() >= 1);
        QElapsedTimer clock;
        clock.start();
        panel.reset();
        LOFTQ_VERIFY_WALL_TIME(clock.elapsed() < 2000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
    }
};

QTEST_MAIN(TestBudgetPanel)
#include "test_ui_budget_panel.moc"
