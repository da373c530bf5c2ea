// Drives the window through its main states and checks each renders: the start page, a mixed
// plan in the layer table, a finished run with its charts, the residual spectrum, the budget
// control with its plan applied, a finished export, the evaluation of that export. With LOFTQ_SCREENSHOT_DIR set
// (scripts/screenshots.sh, under Xvfb) it writes them there as the README's screenshots; otherwise
// into a temporary folder.
#include "budget_panel.hpp"
#include "chart_widget.hpp"
#include "eval_controller.hpp"
#include "eval_panel.hpp"
#include "export_dialog.hpp"
#include "layer_table_model.hpp"
#include "main_window.hpp"
#include "layer_error_chart.hpp"
#include "plan_panel.hpp"
#include "spectrum_chart.hpp"
#include "spectrum_controller.hpp"
#include "step_error_chart.hpp"
#include "ui_test_support.hpp"
#include "workbench_settings.hpp"
#include "workspace.hpp"

#include <QDir>
#include <QImage>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;
using namespace loftq::ui;

class TestScreenshots : public QObject {
    Q_OBJECT

private:
    QTemporaryDir scratch;
    QString outDir;
    std::unique_ptr<WorkbenchSettings> settings;
    std::unique_ptr<MainWindow> window;

    // The model the screenshots show: the full pico-llama (6 blocks) when shared/ has it.
    static QString screenshotModel()
    {
        const QString full = QStringLiteral(LOFTQ_SHARED_DIR "/models/pico-llama");
        return QFileInfo::exists(full + "/model.safetensors.index.json") ? QDir::cleanPath(full) : test::demoModelPath();
    }

    void save(const QString& name)
    {
        QTest::qWait(150); // let queued replots and layout settle
        const QImage image = window->grab().toImage();
        QVERIFY(image.width() >= 1200 && image.height() >= 700);
        // Not blank: a rendered window has many distinct colours.
        QSet<QRgb> colours;
        for (int y = 0; y < image.height(); y += 7)
            for (int x = 0; x < image.width(); x += 7)
                colours.insert(image.pixel(x, y));
        QVERIFY2(colours.size() > 20, qPrintable(name));
        QVERIFY(image.save(QDir(outDir).filePath(name)));
    }

    void waitForRedraw(ChartWidget* chart)
    {
        QSignalSpy redrawn(chart, &ChartWidget::redrawn);
        chart->requestRedraw();
        QVERIFY(redrawn.wait(2000));
    }

private slots:
    void initTestCase()
    {
        outDir = qEnvironmentVariable("LOFTQ_SCREENSHOT_DIR", scratch.path());
        QVERIFY(QDir().mkpath(outDir));
        settings = std::make_unique<WorkbenchSettings>(scratch.filePath("settings.ini"));
        settings->addRecentFile(QStringLiteral("/home/me/models/Llama-2-7b-hf"));
        settings->addRecentFile(screenshotModel());
        window = std::make_unique<MainWindow>(*settings);
        window->resize(1440, 880);
        window->show();
        QVERIFY(QTest::qWaitForWindowExposed(window.get()));
    }

    void startPage() { save("start-page.png"); }

    void mixedPlanInTheLayerTable()
    {
        QSignalSpy opened(&window->opener(), &CheckpointOpener::opened);
        window->openPath(screenshotModel());
        QVERIFY(opened.wait(test::engineMs(10000)));
        auto& document = window->document();
        document.applyPreset("mixed:" + std::to_string(std::max(1, document.blockCount() / 2)));
        PlanRule rule;
        rule.pattern = "down_proj";
        rule.patch.rank = 32;
        QVERIFY(document.addRule(rule));
        LayerPatch keepFirst;
        keepFirst.keep = true;
        QVERIFY(document.patchLayers({document.layers().front().layer.tensorName}, keepFirst));
        window->workspace()->splitter()->setSizes({560, 240});
        window->workspace()->planPanel()->setRulesVisible(true);
        std::set<std::string> attention;
        for (const auto& l : document.layers())
            if (l.layer.place.block == 1 && l.layer.role.find("_proj") != std::string::npos && l.layer.role[1] == '_')
                attention.insert(l.layer.tensorName);
        window->workspace()->planPanel()->selectLayers(attention);
        save("layer-table-mixed-plan.png");
    }

    void finishedRunWithCharts()
    {
        QSignalSpy finished(&window->runController(), &RunController::finished);
        window->startRun();
        QVERIFY(finished.wait(test::engineMs(400000))); // a whole pico-llama run at background priority
        std::set<std::string> weak;
        for (const auto& l : window->document().layers())
            if (l.layer.place.block == window->document().blockCount() - 1 && l.layer.role == "k_proj")
                weak.insert(l.layer.tensorName);
        window->workspace()->planPanel()->setRulesVisible(false);
        window->workspace()->splitter()->setSizes({330, 470});
        window->workspace()->planPanel()->selectLayers(weak);
        window->workspace()->chartTabs()->setCurrentIndex(Workspace::StepsTab);
        waitForRedraw(window->workspace()->stepChart());
        save("run-error-by-step.png");
        window->workspace()->chartTabs()->setCurrentIndex(Workspace::LayersTab);
        waitForRedraw(window->workspace()->layerChart());
        save("run-qlora-vs-loftq.png");
    }

    void residualSpectrum()
    {
        auto* workspace = window->workspace();
        QSignalSpy ready(workspace->spectrumController(), &SpectrumController::ready);
        workspace->chartTabs()->setCurrentIndex(Workspace::SpectrumTab);
        std::string layer;
        for (const auto& l : window->document().layers())
            if (l.plan.quantize && l.plan.bits == 2 && l.layer.role == "q_proj")
                layer = l.layer.tensorName;
        workspace->planPanel()->selectLayers({layer});
        QVERIFY(ready.wait(test::engineMs(60000)));
        waitForRedraw(workspace->spectrumChart());
        QVERIFY(workspace->spectrumChart()->spectrum().has_value());
        save("residual-spectrum.png");
    }

    void budgetControl()
    {
        auto* planPanel = window->workspace()->planPanel();
        auto* budget = planPanel->budgetPanel();
        planPanel->setBudgetVisible(true);
        window->workspace()->splitter()->setSizes({560, 240});
        budget->budgetEdit()->setText(QStringLiteral("3 bits"));
        QSignalSpy solved(budget, &BudgetPanel::solutionChanged);
        QTest::mouseClick(budget->measureButton(), Qt::LeftButton);
        QVERIFY(solved.wait(test::engineMs(400000))); // every layer at 2, 3, 4 and 8 bits, at background priority
        QVERIFY(budget->solution() && budget->solution()->error.isEmpty());
        QTest::mouseClick(budget->applyButton(), Qt::LeftButton);
        std::set<std::string> firstBlock;
        for (const auto& l : window->document().layers())
            if (l.layer.place.block == 0)
                firstBlock.insert(l.layer.tensorName);
        planPanel->selectLayers(firstBlock);
        window->workspace()->chartTabs()->setCurrentIndex(Workspace::LayersTab);
        save("budget-plan.png");
        planPanel->setBudgetVisible(false);
    }

    void exportDialogAtTheEnd()
    {
        ExportDialog* dialog = window->showExportDialog();
        QVERIFY(dialog);
        dialog->setOutputDirectory(scratch.filePath("pico-llama-loftq"));
        QSignalSpy exported(dialog, &ExportDialog::exported);
        dialog->startExport();
        QVERIFY(exported.wait(test::engineMs(120000)));
        QTest::qWait(150);
        const QImage image = dialog->grab().toImage();
        QVERIFY(image.width() >= 500);
        QVERIFY(image.save(QDir(outDir).filePath("export-dialog.png")));
        dialog->close();
    }

    // The export of the budget plan evaluated against the original on a license text: the
    // original, QLoRA init and LoftQ side by side, KL along the text, the worst predictions.
    void evaluationOfTheExport()
    {
        auto* panel = window->workspace()->evaluationPanel();
        window->workspace()->chartTabs()->setCurrentWidget(panel);
        panel->setTextFile(QStringLiteral(LOFTQ_SOURCE_DIR "/tests/data/model/apache-2.0.txt"));
        panel->tokensBox()->setValue(2048);
        panel->setThreads(2);
        QSignalSpy finished(panel->controller(), &EvalController::finished);
        panel->evaluateExport(scratch.filePath("pico-llama-loftq"));
        QVERIFY(finished.wait(test::engineMs(300000)));
        save("evaluation.png");
    }

    void cleanupTestCase() { window.reset(); }
};

QTEST_MAIN(TestScreenshots)
#include "test_ui_screenshots.moc"
