// Runs through the RunController on the demo model: reports arrive by value on the GUI thread,
// cancel stops within a second and leaves nothing on disk, export writes the HF + PEFT layout,
// and the event loop never stalls for more than 50 ms while a run computes.
#include "meta_types.hpp"
#include "plan_document.hpp"
#include "run_controller.hpp"
#include "run_results.hpp"
#include "ui_test_support.hpp"

#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QtTest>

using namespace loftq;
using namespace loftq::ui;

namespace {

bool folderIsEmptyOrMissing(const QString& path)
{
    const QDir dir(path);
    return !dir.exists() || dir.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden).isEmpty();
}

} // namespace

class TestRunController : public QObject {
    Q_OBJECT

private:
    std::shared_ptr<const Checkpoint> demo;
    Plan plan;

private slots:
    void initTestCase()
    {
        registerMetaTypes();
        demo = test::openCheckpoint(test::demoModelPath());
    }

    void measureRunDeliversReports()
    {
        RunController runs;
        RunResults results;
        connect(&runs, &RunController::progress, &results, &RunResults::apply);
        QSignalSpy progress(&runs, &RunController::progress);
        QSignalSpy finished(&runs, &RunController::finished);
        RunOptions options;
        options.threads = 1;
        results.begin({});
        runs.start(demo, plan, options);
        QVERIFY(runs.isRunning());
        QVERIFY(finished.wait(test::engineMs(60000)));
        QVERIFY(!runs.isRunning());

        const auto report = finished.first().first().value<RunReport>();
        QCOMPARE(report.layers.size(), std::size_t(14));
        int layerEvents = 0, stepEvents = 0;
        for (const auto& args : progress) {
            const auto e = args.first().value<ProgressEvent>();
            layerEvents += e.kind == ProgressEvent::Kind::LayerFinished;
            stepEvents += e.kind == ProgressEvent::Kind::StepFinished;
            if (e.kind == ProgressEvent::Kind::LayerFinished) {
                QVERIFY(e.report.has_value());
                QVERIFY(e.report->relError > 0 && e.report->relError < e.report->qloraRelError);
            }
        }
        QCOMPARE(layerEvents, 14);
        QCOMPARE(stepEvents, 14 * 5);
        const auto* q = results.find("model.layers.0.self_attn.q_proj.weight");
        QVERIFY(q && q->report);
        QCOMPARE(q->stepErrors.size(), std::size_t(5));
        QCOMPARE(q->report->adapterSingularValues.size(), std::size_t(16));
    }

    void cancelStopsWithinASecondAndWritesNothing()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath("export");
        Plan slow = plan;
        slow.defaults.steps = 40; // long enough that the run is surely mid-way when cancelled
        RunController runs;
        QSignalSpy progress(&runs, &RunController::progress);
        QSignalSpy cancelled(&runs, &RunController::cancelled);
        QSignalSpy finished(&runs, &RunController::finished);
        RunOptions options;
        options.outputDir = out.toStdString();
        options.threads = 1;
        runs.start(demo, slow, options);
        // Wait for the first finished step, so files are being staged when we cancel.
        QTRY_VERIFY_WITH_TIMEOUT(std::any_of(progress.begin(), progress.end(), [](const QList<QVariant>& a) {
            return a.first().value<ProgressEvent>().kind == ProgressEvent::Kind::StepFinished;
        }), test::engineMs(30000));
        QElapsedTimer sinceCancel;
        sinceCancel.start();
        runs.cancel();
        QVERIFY(cancelled.wait(test::engineMs(5000)));
        LOFTQ_VERIFY_WALL_TIME(sinceCancel.elapsed() < 1000, qPrintable(QString("took %1 ms").arg(sinceCancel.elapsed())));
        QVERIFY(finished.isEmpty());
        QVERIFY(!runs.isRunning());
        QVERIFY2(folderIsEmptyOrMissing(out), qPrintable(QDir(out).entryList().join(", ")));
    }

    void exportWritesTheHfPeftLayout()
    {
        QTemporaryDir dir;
        const QString out = dir.filePath("demo-loftq");
        RunController runs;
        QSignalSpy finished(&runs, &RunController::finished);
        QSignalSpy failed(&runs, &RunController::failed);
        RunOptions options;
        options.outputDir = out.toStdString();
        options.threads = 2;
        runs.start(demo, plan, options);
        QVERIFY(runs.isExporting());
        QVERIFY(finished.wait(test::engineMs(60000)));
        QVERIFY(failed.isEmpty());
        for (const char* file : {"model.safetensors", "config.json", "loftq_init/adapter_config.json",
                                 "loftq_init/adapter_model.safetensors", "loftq_report.json", "loftq_plan.json"})
            QVERIFY2(QFileInfo(QDir(out).filePath(file)).size() > 0, file);
        QCOMPARE(Plan::load(QDir(out).filePath("loftq_plan.json").toStdString()), plan);
    }

    void failureIsReportedAndControllerStaysUsable()
    {
        RunController runs;
        QSignalSpy failed(&runs, &RunController::failed);
        QSignalSpy finished(&runs, &RunController::finished);
        RunOptions options;
        options.outputDir = test::demoModelPath().toStdString(); // the engine refuses to export over the source
        runs.start(demo, plan, options);
        QVERIFY(failed.wait(test::engineMs(30000)));
        QVERIFY(failed.first().first().toString().contains("pico-llama-2L"));
        runs.start(demo, plan, RunOptions{});
        QVERIFY(finished.wait(test::engineMs(60000)));
    }

    void eventLoopStaysResponsiveDuringRun()
    {
        RunController runs;
        RunResults results; // the GUI-side work a real run causes: results bookkeeping per event
        connect(&runs, &RunController::progress, &results, &RunResults::apply);
        QSignalSpy finished(&runs, &RunController::finished);
        RunOptions options;
        options.threads = std::max(1, QThread::idealThreadCount());
        test::StallMeter meter;
        runs.start(demo, plan, options);
        QVERIFY(finished.wait(test::engineMs(60000)));
        qInfo("longest event-loop gap during the run: %lld ms over %d ticks (control thread: %lld ms)",
              meter.maxGapMs(), meter.ticks(), meter.controlMaxGapMs());
        QVERIFY(meter.ticks() > 10);
        LOFTQ_VERIFY_WALL_TIME(meter.maxGapMs() < meter.budgetMs(),
                               qPrintable(QString("event loop stalled %1 ms (budget %2 ms)").arg(meter.maxGapMs()).arg(meter.budgetMs())));
    }

    void destroyingDuringRunCancelsAndJoins()
    {
        QElapsedTimer clock;
        {
            Plan slow = plan;
            slow.defaults.steps = 40;
            RunController runs;
            QSignalSpy progress(&runs, &RunController::progress);
            runs.start(demo, slow, RunOptions{});
            QVERIFY(progress.wait(test::engineMs(30000)));
            clock.start();
        } // the destructor cancels and joins the worker thread
        LOFTQ_VERIFY_WALL_TIME(clock.elapsed() < 1000, qPrintable(QString("took %1 ms").arg(clock.elapsed())));
    }
};

QTEST_MAIN(TestRunController)
#include "test_ui_run_controller.moc"
