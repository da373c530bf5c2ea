// The evaluation panel on the demo model (pico-llama-2L: byte-level, vocab 256): the figures it
// shows are the engine's evaluate() on the same text, for the original, for the run's result
// (computed again layer by layer, never exported) and for an hf-peft export of the same plan, which
// must agree with the run's; the run-result source reproduces the run's reported errors; cancel
// stops it; destroying the window during an evaluation joins it; the history and the recent text
// files persist; a plan from the budget planner shows its expected error beside the run's measured
// one in the history. The item models run under QAbstractItemModelTester.
#include "eval_history_model.hpp"
#include "eval_kl_chart.hpp"
#include "eval_metrics_model.hpp"
#include "eval_panel.hpp"
#include "eval_worst_model.hpp"
#include "loftq/budget.hpp"
#include "loftq/layer_job.hpp"
#include "loftq/run_result_source.hpp"
#include "meta_types.hpp"
#include "plan_document.hpp"
#include "run_controller.hpp"
#include "ui_test_support.hpp"
#include "workbench_settings.hpp"

#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;
using namespace loftq::ui;

namespace {

// Small enough to run in seconds, large enough for several windows: 15 windows of 64 bytes.
constexpr int kContext = 64;
constexpr int kTokens = 1000;
// The export stores what the run-result source computes; the two forward passes read the same
// float32 values, so the figures agree to float rounding of the sums.
constexpr double kSameModelTolerance = 1e-9;

QString textPath() { return QStringLiteral(LOFTQ_SOURCE_DIR "/tests/data/model/apache-2.0.txt"); }

EvalOptions options()
{
    EvalOptions o;
    o.context = kContext;
    o.maxTokens = kTokens;
    return o;
}

EvalTokens tokens() { return tokensFromText(textPath().toStdString(), test::demoModelPath().toStdString()); }

double metric(const EvalMetricsModel& m, int row, int column) { return m.index(row, column).data(Qt::UserRole).toDouble(); }

} // namespace

class TestEvalPanel : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir;
    std::unique_ptr<WorkbenchSettings> settings;
    std::unique_ptr<PlanDocument> document;
    std::unique_ptr<RunController> runs;
    std::unique_ptr<EvalPanel> panel;
    std::vector<std::unique_ptr<QAbstractItemModelTester>> testers;

    // Clicks `button` and waits for the evaluation to deliver.
    bool evaluate(QPushButton* button)
    {
        QSignalSpy stopped(panel->controller(), &EvalController::stopped);
        QSignalSpy finished(panel->controller(), &EvalController::finished);
        if (!button->isEnabled())
            return false;
        QTest::mouseClick(button, Qt::LeftButton);
        return stopped.wait(test::engineMs(120000)) && finished.count() == 1;
    }

    RunReport run()
    {
        QSignalSpy finished(runs.get(), &RunController::finished);
        RunOptions o;
        o.threads = 2;
        runs->start(document->checkpoint(), document->plan(), o);
        if (!finished.wait(test::engineMs(60000)))
            return {};
        return finished.first().first().value<RunReport>();
    }

    void checkComparedColumn(int column, const EvalResult& engine)
    {
        const auto& m = *panel->metricsModel();
        QCOMPARE(metric(m, EvalMetricsModel::Nll, column), engine.metrics.nll);
        QCOMPARE(metric(m, EvalMetricsModel::Perplexity, column), engine.metrics.perplexity);
        QCOMPARE(metric(m, EvalMetricsModel::MeanKl, column), engine.comparison->meanKl);
        QCOMPARE(metric(m, EvalMetricsModel::P99Kl, column), engine.comparison->p99Kl);
        QCOMPARE(metric(m, EvalMetricsModel::Top1Agreement, column), engine.comparison->top1Agreement);
        QCOMPARE(metric(m, EvalMetricsModel::DeltaNll, column), engine.comparison->deltaNll);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(dir.isValid());
        registerMetaTypes();
    }

    void init()
    {
        settings = std::make_unique<WorkbenchSettings>(dir.filePath(QStringLiteral("settings.ini")));
        document = std::make_unique<PlanDocument>();
        runs = std::make_unique<RunController>();
        panel = std::make_unique<EvalPanel>(*document, *runs, *settings);
        panel->setThreads(2);
        for (QAbstractItemModel* m : std::initializer_list<QAbstractItemModel*>{
                 panel->metricsModel(), panel->worstModel(), panel->historyModel()})
            testers.push_back(std::make_unique<QAbstractItemModelTester>(
                m, QAbstractItemModelTester::FailureReportingMode::QtTest));
        document->setCheckpoint(test::openCheckpoint(test::demoModelPath()));
        panel->setTextFile(textPath());
        panel->contextBox()->setValue(kContext);
        panel->tokensBox()->setValue(kTokens);
    }

    void cleanup()
    {
        testers.clear();
        panel.reset();
        runs.reset();
        document.reset();
        settings.reset();
    }

    void originalShowsTheEnginesFigures()
    {
        QVERIFY(!panel->runButton()->isEnabled()); // no run yet
        QVERIFY(evaluate(panel->originalButton()));
        const auto original = openModelSource(test::demoModelPath().toStdString());
        const auto engine = loftq::evaluate(*original, nullptr, tokens(), options());
        const auto& m = *panel->metricsModel();
        QCOMPARE(metric(m, EvalMetricsModel::Nll, EvalMetricsModel::Original), engine.metrics.nll);
        QCOMPARE(metric(m, EvalMetricsModel::Perplexity, EvalMetricsModel::Original), engine.metrics.perplexity);
        QCOMPARE(metric(m, EvalMetricsModel::BitsPerByte, EvalMetricsModel::Original), engine.metrics.bitsPerByte);
        QVERIFY(engine.metrics.bitsPerByte > 0); // from text: bits per byte applies
        QVERIFY(!m.index(EvalMetricsModel::MeanKl, EvalMetricsModel::Original).data(Qt::UserRole).isValid());
        QVERIFY(!m.index(EvalMetricsModel::Nll, EvalMetricsModel::Loftq).data(Qt::UserRole).isValid());
        QCOMPARE(engine.predictions, std::size_t(kTokens / kContext * (kContext - 1)));

        // The least likely tokens, in the engine's order, each shown in its text.
        const auto& worst = *panel->worstModel();
        QCOMPARE(std::size_t(worst.rowCount()), engine.worst.size());
        QVERIFY(worst.rowCount() > 0);
        const auto ids = tokens().ids;
        for (int row = 0; row < worst.rowCount(); ++row) {
            const auto& w = engine.worst[std::size_t(row)];
            QCOMPARE(worst.index(row, EvalWorstModel::Position).data(Qt::UserRole).toULongLong(), qulonglong(w.position));
            QCOMPARE(worst.index(row, EvalWorstModel::Nll).data(Qt::UserRole).toDouble(), w.nll);
            // Byte-level: the token is the byte of the text at that position.
            const std::string byte(1, char(ids[w.position]));
            QCOMPARE(worst.index(row, EvalWorstModel::Expected).data().toString(), visibleText(byte));
            QVERIFY(worst.index(row, EvalWorstModel::Text).data().toString().contains(visibleText(byte)));
        }
        QCOMPARE(panel->historyModel()->rowCount(), 1);
        QCOMPARE(panel->klChart()->pointCount(), std::size_t(0)); // the original alone has no KL
        QVERIFY(panel->statusLabel()->text().contains(QString::number(engine.metrics.nll, 'f', 4)));
    }

    void runResultShowsTheEnginesFiguresAndMatchesItsExport()
    {
        // The plan as the budget planner writes it (its own bits, one setting each): it carries
        // what the planner expects, which the history shows beside what the run measured.
        BudgetOptions measure;
        measure.bits = {document->plan().defaults.bits};
        measure.threads = 2;
        const auto planned = planForBudget(*document->checkpoint(), document->plan(), {Budget::Kind::AverageBits, 8}, measure);
        document->setPlan(planned.plan);
        const RunReport report = run();
        QCOMPARE(report.layers.size(), std::size_t(14));
        QVERIFY(panel->runButton()->isEnabled());
        QVERIFY(evaluate(panel->runButton()));

        const auto original = openModelSource(test::demoModelPath().toStdString());
        const auto plan = document->plan();
        const auto backbone = openRunResultSource(document->checkpoint(), plan, ModelVariant::Backbone, 1);
        const auto full = openRunResultSource(document->checkpoint(), plan, ModelVariant::Full, 1);
        const auto engineBackbone = loftq::evaluate(*backbone, original.get(), tokens(), options());
        const auto engineFull = loftq::evaluate(*full, original.get(), tokens(), options());
        checkComparedColumn(EvalMetricsModel::QloraInit, engineBackbone);
        checkComparedColumn(EvalMetricsModel::Loftq, engineFull);
        QCOMPARE(metric(*panel->metricsModel(), EvalMetricsModel::Nll, EvalMetricsModel::Original),
                 engineFull.originalMetrics->nll);
        // The adapter brings the model closer to the original than the backbone alone.
        QVERIFY(engineFull.comparison->meanKl < engineBackbone.comparison->meanKl);
        QCOMPARE(panel->klChart()->pointCount(), engineFull.predictions);
        QCOMPARE(std::size_t(panel->worstModel()->rowCount()), engineFull.worst.size());
        QCOMPARE(panel->worstModel()->index(0, EvalWorstModel::Kl).data(Qt::UserRole).toDouble(), engineFull.worst[0].kl);

        // The history row: the run's plan and mean weight error beside its KL and agreement.
        const auto& history = *panel->historyModel();
        QCOMPARE(history.rowCount(), 1);
        double sum = 0;
        for (const auto& l : report.layers)
            sum += l.relError;
        QCOMPARE(history.index(0, EvalHistoryModel::WeightError).data(Qt::UserRole).toDouble(), sum / 14);
        QCOMPARE(history.index(0, EvalHistoryModel::KlLoftq).data(Qt::UserRole).toDouble(), engineFull.comparison->meanKl);
        QCOMPARE(history.index(0, EvalHistoryModel::AgreementQlora).data(Qt::UserRole).toDouble(),
                 engineBackbone.comparison->top1Agreement);
        QCOMPARE(history.index(0, EvalHistoryModel::Size).data(Qt::UserRole).toDouble(),
                 double(document->sizeEstimate().total()));
        QVERIFY(history.index(0, EvalHistoryModel::Plan).data().toString().contains(QStringLiteral("×14")));
        const auto compared = comparePlanned(plan, report);
        QVERIFY(compared && compared->comparedLayers == 14);
        QCOMPARE(history.index(0, EvalHistoryModel::PlannedError).data(Qt::UserRole).toDouble(), compared->plannedTotal);
        QVERIFY(history.index(0, EvalHistoryModel::PlannedError).data().toString().contains(
            QString::number(compared->measuredTotal, 'f', 4)));
        QVERIFY(history.index(0, EvalHistoryModel::PlannedError).data(Qt::ToolTipRole).toString().contains(
            QStringLiteral("budget planner expected")));

        // The run-result source holds what the run measured: ||W - Q - s B A|| / ||W|| per layer.
        for (const auto& l : report.layers) {
            const MatrixRM W = readLayerWeight(*document->checkpoint(), l.layer);
            const MatrixRM Q = full->readLinearWeight(l.layer.tensorName, l.layer.conv1d);
            const auto adapter = full->adapter(l.layer.modulePath);
            QVERIFY(adapter);
            const MatrixRM residual = W - Q - adapter->scale * (adapter->B * adapter->A);
            const double err = residual.cast<double>().norm() / W.cast<double>().norm();
            QVERIFY2(std::abs(err - l.relError) <= 1e-5 * l.relError,
                     qPrintable(QStringLiteral("%1: %2 vs the run's %3").arg(QString::fromStdString(l.layer.tensorName))
                                    .arg(err).arg(l.relError)));
        }

        // An hf-peft export of the same plan is the same model: the panel shows the same figures.
        const QString exportDir = dir.filePath(QStringLiteral("export"));
        RunOptions o;
        o.outputDir = exportDir.toStdString();
        o.threads = 2;
        runJob(*document->checkpoint(), plan, o);
        panel->evaluateExport(exportDir);
        QSignalSpy stopped(panel->controller(), &EvalController::stopped);
        QVERIFY(stopped.wait(test::engineMs(120000)));
        QCOMPARE(history.rowCount(), 2);
        for (const int column : {int(EvalHistoryModel::KlQlora), int(EvalHistoryModel::KlLoftq),
                                 int(EvalHistoryModel::AgreementLoftq), int(EvalHistoryModel::Nll),
                                 int(EvalHistoryModel::WeightError), int(EvalHistoryModel::Size),
                                 int(EvalHistoryModel::PlannedError)}) {
            const double fromRun = history.index(0, column).data(Qt::UserRole).toDouble();
            const double fromExport = history.index(1, column).data(Qt::UserRole).toDouble();
            QVERIFY2(std::abs(fromRun - fromExport) <= kSameModelTolerance * std::max(1.0, std::abs(fromRun)),
                     qPrintable(QStringLiteral("column %1: run %2, export %3").arg(column).arg(fromRun).arg(fromExport)));
        }

        // Saved with the report: the history as JSON, every entry's figures as the engine wrote them.
        const QString saved = dir.filePath(QStringLiteral("loftq_eval_history.json"));
        QVERIFY(panel->saveHistory(saved));
        QFile file(saved);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const auto json = nlohmann::json::parse(file.readAll().toStdString());
        QCOMPARE(json["format"].get<std::string>(), std::string("loftq-eval-history"));
        QCOMPARE(json["entries"].size(), std::size_t(2));
        QCOMPARE(json["entries"][0]["loftq"]["comparison"]["kl_mean"].get<double>(), engineFull.comparison->meanKl);
        QCOMPARE(json["entries"][0]["mean_rel_error"].get<double>(), sum / 14);
        QCOMPARE(json["entries"][0]["planned"]["planned_total_rel_error"].get<double>(), compared->plannedTotal);
    }

    void cancelStopsTheEvaluation()
    {
        QVERIFY(run().layers.size() == 14);
        QSignalSpy cancelled(panel->controller(), &EvalController::cancelled);
        QSignalSpy finished(panel->controller(), &EvalController::finished);
        // Cancel once the engine reports: the run's layers are being computed again by then.
        connect(panel->controller(), &EvalController::progress, panel.get(), [this] { panel->cancelButton()->click(); },
                Qt::SingleShotConnection);
        QTest::mouseClick(panel->runButton(), Qt::LeftButton);
        QVERIFY(panel->cancelButton()->isEnabled());
        QVERIFY(!panel->runButton()->isEnabled());
        QVERIFY(cancelled.wait(test::engineMs(30000)));
        QCOMPARE(finished.count(), 0);
        QCOMPARE(panel->historyModel()->rowCount(), 0);
        QVERIFY(panel->statusLabel()->text().contains(QStringLiteral("cancelled")));
        QVERIFY(panel->runButton()->isEnabled());
        QVERIFY(!panel->cancelButton()->isEnabled());
    }

    void destroyingDuringAnEvaluationJoinsIt()
    {
        QVERIFY(run().layers.size() == 14);
        QSignalSpy progress(panel->controller(), &EvalController::progress);
        QTest::mouseClick(panel->runButton(), Qt::LeftButton);
        QVERIFY(progress.wait(test::engineMs(30000)));
        const auto future = panel->controller()->future();
        QVERIFY(!future.isFinished());
        QElapsedTimer clock;
        clock.start();
        testers.clear();
        panel.reset(); // what closing the window does to its children
        QVERIFY(future.isFinished()); // joined, not left running
        LOFTQ_VERIFY_WALL_TIME(clock.elapsed() < 2000, "cancel reaches the engine within a layer's LoftQ step");
        QVERIFY(future.result().cancelled);
    }

    void textTooShortFailsNamingTheFile()
    {
        const QString shortText = dir.filePath(QStringLiteral("short.txt"));
        QFile file(shortText);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("too short for one window");
        file.close();
        panel->setTextFile(shortText);
        QSignalSpy failed(panel->controller(), &EvalController::failed);
        QTest::mouseClick(panel->originalButton(), Qt::LeftButton);
        QVERIFY(failed.wait(test::engineMs(30000)));
        QVERIFY2(panel->statusLabel()->text().contains(QStringLiteral("short.txt")), qPrintable(panel->statusLabel()->text()));
        QCOMPARE(panel->historyModel()->rowCount(), 0);
    }

    void recentTextsAndSizesPersist()
    {
        QVERIFY(evaluate(panel->originalButton()));
        QCOMPARE(settings->recentTextFiles().value(0), textPath());
        EvalPanel again(*document, *runs, *settings);
        QCOMPARE(again.textFile(), textPath());
        QCOMPARE(again.contextBox()->value(), kContext);
        QCOMPARE(again.tokensBox()->value(), kTokens);
    }

    void anotherCheckpointForgetsTheRun()
    {
        QVERIFY(run().layers.size() == 14);
        QVERIFY(panel->runButton()->isEnabled());
        document->setCheckpoint(test::openCheckpoint(test::demoModelPath()));
        QVERIFY(!panel->runButton()->isEnabled());
    }
};

QTEST_MAIN(TestEvalPanel)
#include "test_ui_eval_panel.moc"
