// The window as a user drives it: open by path, by drag and drop, from the demo button; a broken
// file gives a dialog naming it and the app goes on; run, spectrum, export; plans save and load;
// closing during a run cancels and joins promptly.
#include "chart_widget.hpp"
#include "export_dialog.hpp"
#include "layer_table_model.hpp"
#include "main_window.hpp"
#include "plan_panel.hpp"
#include "spectrum_chart.hpp"
#include "spectrum_controller.hpp"
#include "start_page.hpp"
#include "step_error_chart.hpp"
#include "ui_test_support.hpp"
#include "workbench_settings.hpp"
#include "workspace.hpp"

#include <QCheckBox>
#include <QElapsedTimer>
#include <QFile>
#include <QMessageBox>
#include <QMimeData>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;
using namespace loftq::ui;

class TestMainWindow : public QObject {
    Q_OBJECT

private:
    QTemporaryDir home;
    std::unique_ptr<WorkbenchSettings> settings;
    std::unique_ptr<MainWindow> window;

    // Opens `path` and waits until the table shows it.
    bool openAndWait(const QString& path)
    {
        QSignalSpy opened(&window->opener(), &CheckpointOpener::opened);
        window->openPath(path);
        return opened.wait(test::engineMs(10000));
    }

    // The demo model with 40 steps a layer (long enough to be mid-run), started and reporting.
    bool startLongDemoRun()
    {
        if (!openAndWait(test::demoModelPath()))
            return false;
        LayerPatch slow;
        slow.steps = 40;
        std::vector<std::string> names;
        for (const auto& l : window->document().layers())
            names.push_back(l.layer.tensorName);
        if (!window->document().patchLayers(names, slow))
            return false;
        QSignalSpy progress(&window->runController(), &RunController::progress);
        window->startRun();
        return progress.wait(test::engineMs(10000));
    }

    QMessageBox* visibleMessageBox() const
    {
        for (auto* box : window->findChildren<QMessageBox*>())
            if (box->isVisible())
                return box;
        return nullptr;
    }

private slots:
    void init()
    {
        settings = std::make_unique<WorkbenchSettings>(home.filePath("settings.ini"));
        settings->setThreads(1);
        window = std::make_unique<MainWindow>(*settings);
        window->show();
    }

    void cleanup() { window.reset(); }

    void startsOnTheStartPage()
    {
        QVERIFY(window->startPage()->isVisible());
        QVERIFY(!window->workspace()->isVisible());
    }

    void opensAFixtureByPath()
    {
        QVERIFY(openAndWait(test::fixturePath("llama")));
        QVERIFY(window->workspace()->isVisible());
        QCOMPARE(window->layerModel().rowCount(), 14);
        QCOMPARE(settings->recentFiles().value(0), test::fixturePath("llama"));
        QVERIFY(window->windowTitle().contains("llama"));
    }

    void opensADroppedFolder()
    {
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(test::fixturePath("llama-sharded-bf16"))});
        QSignalSpy opened(&window->opener(), &CheckpointOpener::opened);
        QDragEnterEvent enter(QPoint(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(window.get(), &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(20, 20), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(window.get(), &drop);
        QVERIFY(opened.wait(test::engineMs(10000)));
        QCOMPARE(window->layerModel().rowCount(), 14);
    }

    void brokenFileShowsADialogAndTheAppGoesOn()
    {
        const QString broken = home.filePath("broken.safetensors");
        QFile f(broken);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\xff\xff\xff\xff\xff\xff\xff\x7f{not json", 17);
        f.close();
        QSignalSpy failed(&window->opener(), &CheckpointOpener::failed);
        window->openPath(broken);
        QVERIFY(failed.wait(test::engineMs(10000)));
        QMessageBox* box = visibleMessageBox();
        QVERIFY(box);
        QVERIFY2(box->text().contains(broken), qPrintable(box->text()));
        box->accept();
        QVERIFY(openAndWait(test::fixturePath("llama"))); // still working
        QCOMPARE(window->layerModel().rowCount(), 14);
    }

    void missingRecentFileLeavesTheList()
    {
        const QString gone = home.filePath("moved-away-model");
        settings->addRecentFile(gone);
        QSignalSpy failed(&window->opener(), &CheckpointOpener::failed);
        window->openPath(gone);
        QVERIFY(failed.wait(test::engineMs(10000)));
        QVERIFY(visibleMessageBox());
        QVERIFY(!settings->recentFiles().contains(gone));
    }

    void runsTheDemoModelAndShowsResults()
    {
        window->openDemoModel();
        QSignalSpy opened(&window->opener(), &CheckpointOpener::opened);
        QVERIFY(opened.wait(test::engineMs(10000)));
        QSignalSpy finished(&window->runController(), &RunController::finished);
        window->workspace()->chartTabs()->setCurrentIndex(Workspace::StepsTab); // the busiest chart
        QTest::qWait(200); // the workspace's first paint happens before any run can start
        test::StallMeter meter; // with the table and the charts updating live
        window->startRun();
        QVERIFY(window->runController().isRunning());
        QVERIFY(finished.wait(test::engineMs(60000)));
        qInfo("longest event-loop gap during the run: %lld ms (control thread: %lld ms)", meter.maxGapMs(),
              meter.controlMaxGapMs());
        LOFTQ_VERIFY_WALL_TIME(meter.maxGapMs() < meter.budgetMs(),
                               qPrintable(QString("event loop stalled %1 ms (budget %2 ms)").arg(meter.maxGapMs()).arg(meter.budgetMs())));
        QVERIFY(window->workspace()->stepChart()->redrawCount() >= 1);
        auto& model = window->layerModel();
        for (int row = 0; row < model.rowCount(); ++row) {
            QCOMPARE(model.index(row, LayerTableModel::Status).data().toString(), QString("done"));
            QVERIFY(model.index(row, LayerTableModel::LoftqError).data(LayerTableModel::SortRole).toDouble() > 0);
        }
        // The spectrum of the selected layer appears on its tab.
        auto* spectrum = window->workspace()->spectrumChart();
        QSignalSpy ready(window->workspace()->spectrumController(), &SpectrumController::ready);
        window->workspace()->chartTabs()->setCurrentWidget(spectrum);
        window->workspace()->planPanel()->selectLayers({"model.layers.1.mlp.down_proj.weight"});
        QVERIFY(ready.wait(test::engineMs(30000)));
        QTRY_VERIFY(spectrum->spectrum().has_value());
        QCOMPARE(spectrum->spectrum()->tensorName, std::string("model.layers.1.mlp.down_proj.weight"));
    }

    void cancelFromTheWindow()
    {
        QSignalSpy cancelled(&window->runController(), &RunController::cancelled);
        QVERIFY(startLongDemoRun());
        QElapsedTimer clock;
        clock.start();
        window->cancelRun();
        QVERIFY(cancelled.wait(test::engineMs(5000)));
        LOFTQ_VERIFY_WALL_TIME(clock.elapsed() < 1000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
        const auto* layer = window->results().find(window->document().layers().back().layer.tensorName);
        QVERIFY(layer && layer->state == LayerRunState::Stopped);
    }

    void closingDuringARunCancelsAndJoins()
    {
        QVERIFY(startLongDemoRun());
        QElapsedTimer clock;
        clock.start();
        window->close();
        window.reset();
        LOFTQ_VERIFY_WALL_TIME(clock.elapsed() < 1000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
    }

    void exportDialogWritesTheExport()
    {
        QVERIFY(openAndWait(test::fixturePath("llama")));
        ExportDialog* dialog = window->showExportDialog();
        QVERIFY(dialog);
        const QString out = home.filePath("llama-loftq");
        dialog->setOutputDirectory(out);
        QSignalSpy exported(dialog, &ExportDialog::exported);
        dialog->startExport();
        QVERIFY(exported.wait(test::engineMs(60000)));
        QCOMPARE(exported.first().first().toString(), out);
        for (const char* file : {"model.safetensors", "loftq_init/adapter_model.safetensors", "loftq_report.json",
                                 "loftq_plan.json"})
            QVERIFY2(QFileInfo(QDir(out).filePath(file)).size() > 0, file);
        // The export's progress reached the table too.
        QCOMPARE(window->layerModel().index(0, LayerTableModel::Status).data().toString(), QString("done"));
    }

    void exportDialogOffersEveryEngineFormat()
    {
        QVERIFY(openAndWait(test::fixturePath("llama")));
        ExportDialog* dialog = window->showExportDialog();
        QVERIFY(dialog);
        int formats = 0;
        for (auto* box : dialog->findChildren<QCheckBox*>())
            formats += box->property("format").isValid();
        QCOMPARE(formats, int(exportFormats().size()));
        dialog->close();
    }

    // The formats checked in the export dialog become the document's and are remembered: with
    // bnb-nf4 among them, spectra, budget curves and runs find nf codes as bitsandbytes does.
    void exportFormatsChosenDecideHowCodesAreFound()
    {
        QVERIFY(openAndWait(test::fixturePath("llama")));
        window->document().applyPreset("all:4");
        QCOMPARE(window->document().nfArithmetic(), ScaleArithmetic::Divide);
        ExportDialog* dialog = window->showExportDialog();
        QVERIFY(dialog);
        QCheckBox* bnb = nullptr;
        for (auto* box : dialog->findChildren<QCheckBox*>())
            if (box->property("format").isValid() && ExportFormat(box->property("format").toInt()) == ExportFormat::BnbNf4)
                bnb = box;
        QVERIFY(bnb && bnb->isEnabled() && !bnb->isChecked());
        QSignalSpy changed(&window->document(), &PlanDocument::planChanged);
        bnb->setChecked(true);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(window->document().nfArithmetic(), ScaleArithmetic::MultiplyByReciprocal);
        QCOMPARE(settings->exportFormats(), (std::vector{ExportFormat::HfPeft, ExportFormat::BnbNf4}));
        dialog->close();

        window = std::make_unique<MainWindow>(*settings);
        QCOMPARE(window->document().nfArithmetic(), ScaleArithmetic::MultiplyByReciprocal);
        settings->setExportFormats({ExportFormat::HfPeft});
    }

    void plansSaveAndLoadAsCliJson()
    {
        QVERIFY(openAndWait(test::fixturePath("llama")));
        window->document().applyPreset("mixed:1");
        const QString file = home.filePath("plan.json");
        QVERIFY(window->savePlan(file));
        const Plan saved = window->document().plan();
        window->document().resetPlan();
        QVERIFY(window->loadPlan(file));
        QCOMPARE(window->document().plan(), saved);
        QCOMPARE(Plan::load(file.toStdString()), saved);

        QFile bad(home.filePath("bad-plan.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"defaults": {"bits": 5}})");
        bad.close();
        QVERIFY(!window->loadPlan(bad.fileName()));
        QMessageBox* box = visibleMessageBox();
        QVERIFY(box);
        QVERIFY2(box->text().contains(bad.fileName()), qPrintable(box->text()));
        QCOMPARE(window->document().plan(), saved); // unchanged
    }

    void layoutIsPersisted()
    {
        QVERIFY(openAndWait(test::fixturePath("llama")));
        window->workspace()->chartTabs()->setCurrentIndex(Workspace::LayersTab);
        window->close();
        window = std::make_unique<MainWindow>(*settings);
        QCOMPARE(window->workspace()->chartTabs()->currentIndex(), int(Workspace::LayersTab));
        QVERIFY(!settings->mainWindowGeometry().isEmpty());
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_ui_main_window.moc"
