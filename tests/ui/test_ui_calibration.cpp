// The calibration of the plan panel on the demo model (pico-llama-2L, byte-level), driven through
// the window: a text's statistics are collected in the background into a file the workbench owns
// (removed once nothing holds them); an output-objective run fills the output-error columns and the
// charts with the run's own figures; "Evaluate run" of an output-objective run gives its export's
// figures; a weight-objective run measures them too, and the evaluation history tells the two apart;
// the budget control plans on output error with rank choices as planForBudget does; another model's statistics, a file that is none, a text too short
// for one window and a negative damping are refused with a message and start no run; a layer whose
// H cannot be factored shows its fallback; cancelling and closing the window during a collection
// leave no file; the choices persist.
#include "budget_panel.hpp"
#include "budget_text.hpp"
#include "calibration_controller.hpp"
#include "calibration_panel.hpp"
#include "eval_controller.hpp"
#include "eval_history_model.hpp"
#include "eval_panel.hpp"
#include "export_dialog.hpp"
#include "layer_error_chart.hpp"
#include "layer_table_model.hpp"
#include "main_window.hpp"
#include "step_error_chart.hpp"
#include "meta_types.hpp"
#include "plan_panel.hpp"
#include "ui_test_support.hpp"
#include "workbench_settings.hpp"
#include "workspace.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <qcustomplot.h>

using namespace loftq;
using namespace loftq::ui;

namespace {

// 16 windows of 128 bytes: collected in well under a second.
constexpr int kTokens = 2048;
constexpr int kContext = 128;
// Long enough to cancel in the middle (each of the 2 blocks sees 4096 tokens), short enough to
// stop soon: the engine looks at cancel between blocks.
constexpr int kLongTokens = 4096;
constexpr int kLongContext = 512;
constexpr int kDemoInputs = 8; // per block: q/k/v, o, gate/up, down

QString calibrationText() { return QStringLiteral(LOFTQ_SOURCE_DIR "/tests/data/model/gpl-2.txt"); }
// loftq calibrate's statistics of the llama test fixture: another model than the demo.
QString otherModelsStatistics() { return QStringLiteral(LOFTQ_SOURCE_DIR "/tests/data/calib/llama-f16.safetensors"); }

// The evaluation reads another text than the calibration: 15 windows of 64 bytes.
QString evaluationText() { return QStringLiteral(LOFTQ_SOURCE_DIR "/tests/data/model/apache-2.0.txt"); }
constexpr int kEvalContext = 64;
constexpr int kEvalTokens = 1000;
// "Evaluate run" computes what the export stores, and the two forward passes read the same float32
// values: the figures agree to float rounding of the sums (the reports' figures pass through JSON).
constexpr double kSameModelTolerance = 1e-9;

QString cell(const LayerTableModel& model, int row, int column) { return model.index(row, column).data().toString(); }

// The values of one bar series, in model order.
std::vector<double> barValues(QCustomPlot* plot, int index)
{
    std::vector<double> values;
    const auto* bars = qobject_cast<QCPBars*>(plot->plottable(index));
    for (auto it = bars->data()->constBegin(); it != bars->data()->constEnd(); ++it)
        values.push_back(it->value);
    return values;
}

} // namespace

class TestCalibration : public QObject {
    Q_OBJECT

private:
    QTemporaryDir home;
    std::unique_ptr<WorkbenchSettings> settings;
    std::unique_ptr<MainWindow> window;

    CalibrationPanel* panel() const { return window->calibrationPanel(); }
    CalibrationController* controller() const { return panel()->controller(); }
    // Everything in the work folder, staged parts and hidden files included.
    QStringList workFiles() const
    {
        return QDir(controller()->workFolder()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
    }

    bool openDemo()
    {
        QSignalSpy opened(&window->opener(), &CheckpointOpener::opened);
        window->openPath(test::demoModelPath());
        return opened.wait(test::engineMs(10000));
    }

    // 2 bits, rank 8, `steps` steps on every layer: quick, and far enough from the original that
    // the adapter's fit matters.
    bool quickPlan(int steps = 2)
    {
        LayerPatch patch;
        patch.bits = 2;
        patch.rank = 8;
        patch.steps = steps;
        std::vector<std::string> names;
        for (const auto& l : window->document().layers())
            names.push_back(l.layer.tensorName);
        return window->document().patchLayers(names, patch);
    }

    // Chooses the text and waits for its statistics; false when they were refused.
    bool collect(const QString& text, int tokens = kTokens, int context = kContext)
    {
        panel()->tokensBox()->setValue(tokens);
        panel()->contextBox()->setValue(context);
        QSignalSpy ready(controller(), &CalibrationController::ready);
        QSignalSpy stopped(controller(), &CalibrationController::stopped);
        panel()->useTextFile(text);
        const bool collected = stopped.wait(test::engineMs(60000)) && ready.count() == 1;
        if (!collected)
            qInfo("not collected: %s", qPrintable(panel()->statusLabel()->text()));
        return collected;
    }

    // Loads a statistics file and waits until it is refused; the message shown.
    QString refusedStatistics(const QString& path)
    {
        QSignalSpy failed(controller(), &CalibrationController::failed);
        panel()->useStatisticsFile(path);
        if (!failed.wait(test::engineMs(10000)))
            return {};
        return panel()->statusLabel()->text();
    }

    std::optional<RunReport> run()
    {
        QSignalSpy finished(&window->runController(), &RunController::finished);
        window->startRun();
        if (!window->runController().isRunning() || !finished.wait(test::engineMs(60000)))
            return std::nullopt;
        return finished.first().first().value<RunReport>();
    }

    // Starts an evaluation and waits for its figures.
    bool evaluated(const std::function<void()>& start)
    {
        auto* eval = window->evalPanel();
        eval->setTextFile(evaluationText());
        eval->contextBox()->setValue(kEvalContext);
        eval->tokensBox()->setValue(kEvalTokens);
        QSignalSpy finished(eval->controller(), &EvalController::finished);
        QSignalSpy stopped(eval->controller(), &EvalController::stopped);
        start();
        const bool done = stopped.wait(test::engineMs(120000)) && finished.count() == 1;
        if (!done)
            qInfo("not evaluated: %s", qPrintable(eval->statusLabel()->text()));
        return done;
    }

    // Exports the last run through the export dialog into `folder`; the dialog's objective line,
    // or empty when the export did not finish.
    QString exportedThroughDialog(const QString& folder)
    {
        auto* dialog = window->showExportDialog();
        if (!dialog)
            return {};
        const QString objective = dialog->findChild<QLabel*>("objective")->text();
        dialog->setOutputDirectory(folder);
        QSignalSpy exported(dialog, &ExportDialog::exported);
        dialog->startExport();
        const bool done = exported.wait(test::engineMs(60000));
        dialog->close();
        return done ? objective : QString();
    }

    // Presses Measure in the budget control and waits for a solution or a refusal.
    bool measureBudget()
    {
        auto* budget = budgetPanel();
        budget->measureButton()->click();
        return QTest::qWaitFor([&] { return budget->solution().has_value() || !budget->measureButton()->text().contains("Cancel"); },
                               test::engineMs(120000)) &&
               QTest::qWaitFor([&] { return budget->solution().has_value(); }, 2000);
    }
    BudgetPanel* budgetPanel() const { return window->workspace()->planPanel()->budgetPanel(); }

    // Whether Run was refused with `why` in the run strip's status, and nothing started.
    bool runRefused(const QString& why)
    {
        window->startRun();
        if (window->runController().isRunning())
            return false;
        for (auto* label : window->findChildren<QLabel*>())
            if (label->text().startsWith(QStringLiteral("Not started:")) && label->text().contains(why))
                return true;
        return false;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(home.isValid());
        registerMetaTypes();
        // Collected statistics go to the cache folder: here, one this test owns.
        qputenv("XDG_CACHE_HOME", home.filePath(QStringLiteral("cache")).toUtf8());
    }

    void init()
    {
        QFile::remove(home.filePath(QStringLiteral("settings.ini"))); // each test starts from the defaults
        settings = std::make_unique<WorkbenchSettings>(home.filePath(QStringLiteral("settings.ini")));
        settings->setThreads(2);
        window = std::make_unique<MainWindow>(*settings);
        window->show();
        QVERIFY(openDemo());
        QVERIFY(quickPlan());
    }

    void cleanup()
    {
        if (!window) // a test failed while the window was gone
            return;
        const QString folder = controller()->workFolder();
        window.reset();
        // Whatever a test did, no statistics outlive the window.
        QVERIFY(QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
    }

    void outputRunFillsTheOutputColumnsAndChart()
    {
        auto& model = window->layerModel();
        auto* table = window->workspace()->planPanel()->table();
        QVERIFY(table->isColumnHidden(LayerTableModel::LoftqOutputError)); // no run with statistics yet
        // What a workbench that crashed left (its process is gone: no pid is that large), and the
        // folder of one still running (pid 1): a collection removes the first only.
        QDir folders(controller()->workFolder() + QStringLiteral("/.."));
        for (const char* pid : {"999999999", "1"}) {
            QVERIFY(folders.mkpath(pid));
            QFile leftover(folders.filePath(QStringLiteral("%1/calibration-1.safetensors").arg(pid)));
            QVERIFY(leftover.open(QIODevice::WriteOnly));
        }
        QVERIFY(collect(calibrationText()));
        QVERIFY(!folders.exists(QStringLiteral("999999999")));
        QVERIFY(folders.exists(QStringLiteral("1/calibration-1.safetensors")));
        QVERIFY(QDir(folders.filePath(QStringLiteral("1"))).removeRecursively());
        QVERIFY2(panel()->statusLabel()->text().startsWith("Statistics ready"), qPrintable(panel()->statusLabel()->text()));
        QCOMPARE(workFiles().size(), 1);
        {
            const auto calibration = panel()->runCalibration(); // holds the statistics until the scope ends
            QVERIFY(calibration && calibration->stats && !calibration->weightObjective);
            const auto& manifest = calibration->stats->manifest();
            QCOMPARE(manifest.tokens, std::uint64_t(kTokens));
            QCOMPARE(manifest.context, kContext);
            QCOMPARE(int(manifest.inputs.size()), kDemoInputs);
            QCOMPARE(manifest.textSha256, sha256OfFile(calibrationText().toStdString()));
            QCOMPARE(manifest.configSha256, configSha256(*window->document().checkpoint()));
        }

        QSignalSpy events(&window->runController(), &RunController::progress);
        const auto report = run();
        QVERIFY(report);
        QVERIFY(report->calibration.find("gpl-2.txt") != std::string::npos);
        // Each step's output error comes as the step finishes (the step chart grows live), and they
        // are the report's.
        std::map<std::string, std::vector<double>> liveOutputErrors;
        for (const auto& args : events) {
            const auto e = args.first().value<ProgressEvent>();
            if (e.kind == ProgressEvent::Kind::StepFinished) {
                QVERIFY(e.outputRelError);
                liveOutputErrors[e.layer].push_back(*e.outputRelError);
            }
        }
        QCOMPARE(liveOutputErrors.size(), report->layers.size());
        for (const auto& layer : report->layers)
            QCOMPARE(liveOutputErrors[layer.layer.tensorName], layer.stepOutputErrors);
        QVERIFY(!table->isColumnHidden(LayerTableModel::QloraOutputError));
        QVERIFY(!table->isColumnHidden(LayerTableModel::LoftqOutputError));
        QCOMPARE(model.rowCount(), int(report->layers.size()));
        for (const auto& layer : report->layers) {
            const int row = window->document().rowOf(layer.layer.tensorName);
            QCOMPARE(layer.objective, std::string("output"));
            QVERIFY(layer.outputRelError && layer.qloraOutputRelError);
            QVERIFY(*layer.outputRelError < *layer.qloraOutputRelError);
            QCOMPARE(cell(model, row, LayerTableModel::LoftqOutputError), QString::number(*layer.outputRelError, 'f', 5));
            QCOMPARE(cell(model, row, LayerTableModel::QloraOutputError),
                     QString::number(*layer.qloraOutputRelError, 'f', 5));
            QCOMPARE(model.index(row, LayerTableModel::LoftqOutputError).data(LayerTableModel::SortRole).toDouble(),
                     *layer.outputRelError);
            QCOMPARE(cell(model, row, LayerTableModel::Status), QString("done"));
        }

        // The per-layer chart draws the output errors when asked, the weight errors otherwise.
        auto* chart = window->workspace()->layerChart();
        chart->setMetric(LayerErrorChart::Metric::Output);
        QVERIFY(chart->showsOutputError());
        QVERIFY(chart->saveImage(home.filePath("output-errors.png"))); // draws what the data says now
        const auto qlora = barValues(chart->plot(), 0), loftq = barValues(chart->plot(), 1);
        const auto& layers = window->document().layers(); // the chart's order
        QCOMPARE(qlora.size(), layers.size());
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const auto* result = window->results().find(layers[i].layer.tensorName);
            QVERIFY(result && result->report);
            QCOMPARE(qlora[i], *result->report->qloraOutputRelError);
            QCOMPARE(loftq[i], *result->report->outputRelError);
        }
        QVERIFY(chart->title().contains("output"));
        chart->setMetric(LayerErrorChart::Metric::Weight);
        QVERIFY(chart->saveImage(home.filePath("weight-errors.png")));
        QCOMPARE(barValues(chart->plot(), 0).front(),
                 window->results().find(layers.front().layer.tensorName)->report->qloraRelError);

        // The per-step chart draws each step's output error when asked, one line per layer in model
        // order, and the weight errors otherwise.
        auto* steps = window->workspace()->stepChart();
        steps->setMetric(StepErrorChart::Metric::Output);
        QVERIFY(steps->showsOutputError());
        QVERIFY(steps->saveImage(home.filePath("output-steps.png")));
        QVERIFY(steps->title().contains("Output error"));
        QCOMPARE(steps->plot()->graphCount(), int(layers.size()));
        for (std::size_t i = 0; i < layers.size(); ++i) {
            const auto& stepOutput = window->results().find(layers[i].layer.tensorName)->report->stepOutputErrors;
            QCOMPARE(stepOutput.size(), std::size_t(2));
            const auto* data = steps->plot()->graph(int(i))->data().data();
            QCOMPARE(std::size_t(data->size()), stepOutput.size());
            for (std::size_t s = 0; s < stepOutput.size(); ++s)
                QCOMPARE(data->at(int(s))->value, stepOutput[s]);
        }
        steps->setMetric(StepErrorChart::Metric::Weight);
        QVERIFY(steps->saveImage(home.filePath("weight-steps.png")));
        QVERIFY(!steps->title().contains("Output error"));
        QCOMPARE(steps->plot()->graph(0)->data()->at(0)->value,
                 window->results().find(layers.front().layer.tensorName)->stepErrors.front());

        // Evaluate run computes the output-aware adapters again (evaluateRunOfAnOutputRunIsItsExport).
        QVERIFY(window->evalPanel()->runButton()->isEnabled());

        // Plain LoftQ again: the columns go, and the collected file with the last holder.
        panel()->setSource(CalibrationSource::None);
        QVERIFY(run());
        QVERIFY(table->isColumnHidden(LayerTableModel::LoftqOutputError));
        QTRY_VERIFY(workFiles().isEmpty());
    }

    void weightObjectiveMeasuresOutputAndTheHistoryTellsThemApart()
    {
        QVERIFY(collect(calibrationText()));
        const auto output = run();
        QVERIFY(output);
        panel()->objectiveBox()->setCurrentIndex(panel()->objectiveBox()->findData(true));
        const auto weight = run();
        QVERIFY(weight);
        double outputAware = 0, weightOnly = 0;
        for (std::size_t i = 0; i < weight->layers.size(); ++i) {
            QCOMPARE(weight->layers[i].objective, std::string("weight"));
            QVERIFY(weight->layers[i].outputRelError);
            QCOMPARE(*weight->layers[i].qloraOutputRelError, *output->layers[i].qloraOutputRelError);
            outputAware += *output->layers[i].outputRelError;
            weightOnly += *weight->layers[i].outputRelError;
        }
        QVERIFY2(outputAware < weightOnly, qPrintable(QString("%1 vs %2").arg(outputAware).arg(weightOnly)));
        QVERIFY(window->evalPanel()->runButton()->isEnabled());

        // Side by side in the history, with each run's objective and mean output error.
        EvalHistoryModel history;
        const Plan& plan = window->document().plan();
        for (const auto* report : {&*output, &*weight}) {
            EvalOutcome outcome;
            outcome.digest = digestOfReport(report->toJson(plan));
            history.append(EvalRequest{.subject = EvalSubject::Run}, outcome);
        }
        QCOMPARE(history.index(0, EvalHistoryModel::Objective).data().toString(), QString("output"));
        QCOMPARE(history.index(1, EvalHistoryModel::Objective).data().toString(), QString("weight"));
        QCOMPARE(history.index(0, EvalHistoryModel::OutputError).data(Qt::UserRole).toDouble(),
                 outputAware / double(output->layers.size()));
        QCOMPARE(history.index(1, EvalHistoryModel::OutputError).data(Qt::UserRole).toDouble(),
                 weightOnly / double(weight->layers.size()));
        const auto json = history.toJson();
        QCOMPARE(json.at("entries").at(0).at("objective").get<std::string>(), std::string("output"));
        QVERIFY(json.at("entries").at(1).at("calibration").get<std::string>().find("gpl-2.txt") != std::string::npos);

        // The export uses the same calibration, and its report says so.
        const QString out = home.filePath("weight-objective-export");
        QVERIFY(exportedThroughDialog(out).startsWith("Weight (plain LoftQ), output errors"));
        std::ifstream in(QDir(out).filePath("loftq_report.json").toStdString());
        const auto exportedReport = nlohmann::json::parse(in);
        const auto digest = digestOfReport(exportedReport);
        QCOMPARE(digest.objective, std::string("weight"));
        QVERIFY(digest.meanOutputError);
        // The export's run reproduces the measuring run's (JSON keeps doubles to the last bit or so).
        QVERIFY(std::abs(*digest.meanOutputError - weightOnly / double(weight->layers.size())) < 1e-12);
    }

    // "Evaluate run" of an output-objective run computes its layers again with the run's statistics,
    // damping and objective: its figures are those of the export written from the same run. A
    // weight-objective run's evaluation joins it in the history, each with its objective.
    void evaluateRunOfAnOutputRunIsItsExport()
    {
        QVERIFY(collect(calibrationText()));
        panel()->dampingEdit()->setText(QStringLiteral("0.05")); // not the default: the damping travels too
        QVERIFY(run());
        auto* eval = window->evalPanel();
        QVERIFY(evaluated([&] { QTest::mouseClick(eval->runButton(), Qt::LeftButton); }));

        const QString out = home.filePath("output-objective-export");
        QVERIFY(!exportedThroughDialog(out).isEmpty());
        QVERIFY(evaluated([&] { eval->evaluateExport(out); }));

        const auto& history = *eval->historyModel();
        QCOMPARE(history.rowCount(), 2);
        QCOMPARE(history.index(0, EvalHistoryModel::Objective).data().toString(), QString("output"));
        QCOMPARE(history.index(1, EvalHistoryModel::Objective).data().toString(), QString("output"));
        for (const int column : {int(EvalHistoryModel::KlQlora), int(EvalHistoryModel::KlLoftq),
                                 int(EvalHistoryModel::AgreementLoftq), int(EvalHistoryModel::Nll),
                                 int(EvalHistoryModel::WeightError), int(EvalHistoryModel::OutputError)}) {
            const double fromRun = history.index(0, column).data(Qt::UserRole).toDouble();
            const double fromExport = history.index(1, column).data(Qt::UserRole).toDouble();
            QVERIFY2(std::abs(fromRun - fromExport) <= kSameModelTolerance * std::max(1.0, std::abs(fromRun)),
                     qPrintable(QStringLiteral("column %1: run %2, export %3").arg(column).arg(fromRun).arg(fromExport)));
        }

        // The same plan with plain LoftQ steps: another model, and the history says which is which.
        panel()->objectiveBox()->setCurrentIndex(panel()->objectiveBox()->findData(true));
        QVERIFY(run());
        QVERIFY(evaluated([&] { QTest::mouseClick(eval->runButton(), Qt::LeftButton); }));
        QCOMPARE(history.rowCount(), 3);
        QCOMPARE(history.index(2, EvalHistoryModel::Objective).data().toString(), QString("weight"));
        const double outputKl = history.index(0, EvalHistoryModel::KlLoftq).data(Qt::UserRole).toDouble();
        const double weightKl = history.index(2, EvalHistoryModel::KlLoftq).data(Qt::UserRole).toDouble();
        qInfo("KL(original || LoftQ) on %s: output objective %.5f, weight objective %.5f",
              qPrintable(QFileInfo(evaluationText()).fileName()), outputKl, weightKl);
        QVERIFY(std::abs(outputKl - weightKl) > 1e3 * kSameModelTolerance);
    }

    // With statistics chosen the budget control plans on output error, as loftq plan --calib, with
    // rank choices (4 or 16, the plan's rank being 8): the bits and ranks it applies and the error it shows are planForBudget's with
    // the same statistics and choices, and the label says it is the output error. Statistics that
    // are not ready measure nothing; choosing None makes the curves stale, and measured again they
    // are the weight error's.
    void budgetPlansOnOutputErrorWithRankChoices()
    {
        window->workspace()->planPanel()->setBudgetVisible(true);
        auto* budget = budgetPanel();
        budget->bitsBox(8)->setChecked(false); // fewer settings to measure
        budget->budgetEdit()->setText(QStringLiteral("3 bits"));
        budget->ranksEdit()->setText(QStringLiteral("4, 16"));
        QVERIFY(!refusedStatistics(otherModelsStatistics()).isEmpty());
        QVERIFY(!measureBudget());
        QVERIFY(!budget->hasCurves());
        QVERIFY2(budget->resultLabel()->text().contains("Not measured") &&
                     budget->resultLabel()->text().contains("No calibration statistics are ready"),
                 qPrintable(budget->resultLabel()->text()));

        QVERIFY(collect(calibrationText()));
        const Plan base = window->document().plan();
        QVERIFY(measureBudget());
        const BudgetSolution shown = *budget->solution();
        BudgetOptions options;
        options.bits = {2, 3, 4};
        options.ranks = {4, 16};
        const auto calibration = panel()->runCalibration();
        QVERIFY(calibration && calibration->stats);
        calibration->applyTo(options);
        const auto& checkpoint = *window->document().checkpoint();
        const Budget threeBits{Budget::Kind::AverageBits, 3};
        const auto engine = planForBudget(checkpoint, base, threeBits, options);
        QVERIFY(engine.curves.front().output);
        QVERIFY(shown.outputError);
        QCOMPARE(shown.summary.totalRelError, engine.summary.totalRelError);
        QCOMPARE(shown.summary.bytes, engine.summary.bytes);
        const QString label = budget->resultLabel()->text();
        QVERIFY2(label.contains("output error " + errorText(engine.summary.totalRelError)), qPrintable(label));
        QVERIFY(budget->resultLabel()->toolTip().startsWith("Expected total relative output error"));
        std::set<int> ranks;
        for (const auto& curve : engine.curves) {
            const LayerPlan planned = engine.plan.resolve(curve.layer);
            const LayerPatch& patch = shown.patches.at(curve.layer.tensorName);
            QCOMPARE(patch.bits, std::optional(planned.bits));
            QCOMPARE(patch.rank, std::optional(planned.rank));
            ranks.insert(planned.rank);
        }
        QString chosen;
        for (int r : ranks)
            chosen += QString::number(r) + " ";
        qInfo("3 bits, ranks 4 or 16, on output error: ranks %s chosen, expected output error %.5f",
              qPrintable(chosen), engine.summary.totalRelError);
        QVERIFY(!ranks.count(8)); // the planned rank is not among the choices: the ranks are the planner's
        budget->applyButton()->click();
        for (const auto& row : window->document().layers())
            QCOMPARE(row.plan.rank, *shown.patches.at(row.layer.tensorName).rank);
        QVERIFY(budget->hasCurves()); // applying is no reason to measure again

        // Plain LoftQ: the output curves no longer apply; measured again, they are weight errors.
        panel()->setSource(CalibrationSource::None);
        QVERIFY(!budget->hasCurves());
        QVERIFY(measureBudget());
        options.calibration = nullptr;
        options.damping.reset();
        const auto weight = planForBudget(checkpoint, window->document().plan(), threeBits, options);
        QVERIFY(!weight.curves.front().output);
        QVERIFY(!budget->solution()->outputError);
        QCOMPARE(budget->solution()->summary.totalRelError, weight.summary.totalRelError);
        QVERIFY(budget->resultLabel()->text().contains("weight error " + errorText(weight.summary.totalRelError)));
        QVERIFY(budget->resultLabel()->toolTip().startsWith("Expected total relative weight error"));
    }

    void anotherModelsStatisticsAreRefused()
    {
        const QString other = refusedStatistics(otherModelsStatistics());
        QVERIFY2(other.contains(otherModelsStatistics()) && other.contains("another model"), qPrintable(other));
        QVERIFY(!panel()->hasStatistics());
        QVERIFY(runRefused("No calibration statistics are ready"));

        // A safetensors file that holds no statistics: the demo's own weights.
        const QString weights = QDir(test::demoModelPath()).filePath("model.safetensors");
        const QString none = refusedStatistics(weights);
        QVERIFY2(none.contains(weights) && none.contains("not a calibration statistics file"), qPrintable(none));

        panel()->useStatisticsFile(home.filePath("no-such.safetensors"));
        QVERIFY(panel()->statusLabel()->text().contains("no such file"));
        QVERIFY(runRefused("No calibration statistics are ready"));
    }

    void tooShortTextIsRefused()
    {
        const QString path = home.filePath(QStringLiteral("short.txt"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("Far too short for a window of 128 bytes.\n");
        f.close();
        QVERIFY(!collect(path));
        const QString message = panel()->statusLabel()->text();
        QVERIFY2(message.contains(path) && message.contains("fewer than one window of 128"), qPrintable(message));
        QVERIFY(workFiles().isEmpty());
        QVERIFY(runRefused("No calibration statistics are ready"));
    }

    void unusableStatisticsFallBackVisibly()
    {
        // 32 tokens for inputs 512 and 1408 wide: every H is singular, and without damping no
        // layer can use the output objective.
        QVERIFY(collect(calibrationText(), 32, 32));
        panel()->dampingEdit()->setText(QStringLiteral("-1"));
        QVERIFY(runRefused("damping"));
        panel()->dampingEdit()->setText(QStringLiteral("0"));
        QVERIFY(quickPlan(1));
        const auto report = run();
        QVERIFY(report);
        auto& model = window->layerModel();
        for (const auto& layer : report->layers) {
            QCOMPARE(layer.objective, std::string("weight"));
            QVERIFY(!layer.outputRelError);
            QVERIFY2(layer.note.find("weight objective used") != std::string::npos, layer.note.c_str());
            const int row = window->document().rowOf(layer.layer.tensorName);
            QCOMPARE(cell(model, row, LayerTableModel::Status), QString("done · weight fallback"));
            QCOMPARE(cell(model, row, LayerTableModel::LoftqOutputError), QString("-"));
            QVERIFY(model.index(row, LayerTableModel::Status).data(Qt::ForegroundRole).isValid());
            QCOMPARE(model.index(row, LayerTableModel::Status).data(Qt::ToolTipRole).toString(),
                     QString::fromStdString(layer.note));
        }
        QCOMPARE(report->damping, 0.0);
    }

    void cancelDuringCollectionLeavesNoFile()
    {
        window->workspace()->planPanel()->setCalibrationVisible(true);
        panel()->tokensBox()->setValue(kLongTokens);
        panel()->contextBox()->setValue(kLongContext);
        QSignalSpy progress(controller(), &CalibrationController::progress);
        QSignalSpy cancelled(controller(), &CalibrationController::cancelled);
        QSignalSpy ready(controller(), &CalibrationController::ready);
        panel()->useTextFile(calibrationText());
        QVERIFY(panel()->isBusy());
        QVERIFY(panel()->cancelButton()->isVisible());
        QVERIFY(runRefused("still being prepared"));
        QVERIFY(progress.wait(test::engineMs(10000)));
        QElapsedTimer clock;
        clock.start();
        QTest::mouseClick(panel()->cancelButton(), Qt::LeftButton);
        QVERIFY(cancelled.wait(test::engineMs(10000)));
        qInfo("cancelled after %lld ms", clock.elapsed());
        QCOMPARE(ready.count(), 0);
        QVERIFY(!panel()->isBusy() && !panel()->hasStatistics());
        QVERIFY(workFiles().isEmpty());
        QVERIFY(panel()->statusLabel()->text().startsWith("Cancelled"));
    }

    void closingTheWindowDuringCollectionCancelsIt()
    {
        panel()->tokensBox()->setValue(kLongTokens);
        panel()->contextBox()->setValue(kLongContext);
        QSignalSpy progress(controller(), &CalibrationController::progress);
        panel()->useTextFile(calibrationText());
        QVERIFY(progress.wait(test::engineMs(10000)));
        const QString folder = controller()->workFolder();
        QElapsedTimer clock;
        clock.start();
        window->close();
        window.reset(); // cancels, and joins the collection stopped between blocks
        // At most one block of 4096 tokens: well under a second on a quiet machine, seconds on a
        // loaded one at background priority, so it is printed, not checked.
        qInfo("closed after %lld ms", clock.elapsed());
        QVERIFY(QDir(folder).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty());
        window = std::make_unique<MainWindow>(*settings); // for cleanup()
    }

    void choicesAreRemembered()
    {
        panel()->tokensBox()->setValue(1000);
        panel()->contextBox()->setValue(64);
        panel()->dampingEdit()->setText(QStringLiteral("0.05"));
        panel()->objectiveBox()->setCurrentIndex(panel()->objectiveBox()->findData(true));
        QVERIFY(!refusedStatistics(otherModelsStatistics()).isEmpty());

        window = std::make_unique<MainWindow>(*settings);
        window->show();
        QCOMPARE(panel()->source(), CalibrationSource::Statistics);
        QCOMPARE(panel()->fileEdit()->text(), otherModelsStatistics());
        QCOMPARE(panel()->tokensBox()->value(), 1000);
        QCOMPARE(panel()->contextBox()->value(), 64);
        QCOMPARE(panel()->dampingEdit()->text(), QStringLiteral("0.05"));
        QVERIFY(panel()->objectiveBox()->currentData().toBool());
        // A statistics file is read again for each checkpoint opened (and refused again here).
        QSignalSpy failed(controller(), &CalibrationController::failed);
        QVERIFY(openDemo());
        QVERIFY(failed.wait(test::engineMs(10000)));
        QVERIFY(panel()->statusLabel()->text().contains("another model"));
    }
};

QTEST_MAIN(TestCalibration)
#include "test_ui_calibration.moc"
