// The charts: redraws are coalesced however fast results arrive, every chart saves as PNG and PDF,
// and the residual spectrum matches what the run's adapter holds.
#include "layer_error_chart.hpp"
#include "loftq/errors.hpp"
#include "loftq/runner.hpp"
#include "loftq/spectrum.hpp"
#include "meta_types.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"
#include "spectrum_chart.hpp"
#include "spectrum_controller.hpp"
#include "step_error_chart.hpp"
#include "ui_test_support.hpp"

#include <QElapsedTimer>
#include <qcustomplot.h>
#include <QFileInfo>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;
using namespace loftq::ui;

namespace {

// Feeds the results of a real (measure-only) run of the fixture, event by event.
void feedRun(const Checkpoint& checkpoint, const Plan& plan, RunResults& results)
{
    std::vector<ProgressEvent> events;
    runJob(checkpoint, plan, RunOptions{}, [&](const ProgressEvent& e) { events.push_back(e); });
    results.begin({});
    for (const auto& e : events)
        results.apply(e);
}

} // namespace

class TestCharts : public QObject {
    Q_OBJECT

private:
    std::shared_ptr<const Checkpoint> llama;

private slots:
    void initTestCase()
    {
        registerMetaTypes();
        llama = test::openCheckpoint(test::fixturePath("llama"));
    }

    void redrawsAreCoalesced()
    {
        PlanDocument document;
        RunResults results;
        document.setCheckpoint(llama);
        StepErrorChart chart(document, results);
        chart.resize(800, 500);
        chart.show();
        QSignalSpy redrawn(&chart, &ChartWidget::redrawn);
        QVERIFY(redrawn.wait(1000)); // the first, empty frame
        const int before = chart.redrawCount();
        // 140 step events within a few milliseconds: one redraw, not 140.
        results.begin({});
        for (int i = 0; i < 140; ++i) {
            ProgressEvent e;
            e.kind = ProgressEvent::Kind::StepFinished;
            e.layer = document.layers()[std::size_t(i % 14)].layer.tensorName;
            e.relError = 0.1 - 0.001 * (i / 14);
            results.apply(e);
        }
        QVERIFY(redrawn.wait(1000));
        QTest::qWait(3 * ChartWidget::kRedrawIntervalMs);
        QCOMPARE(chart.redrawCount() - before, 1);
        // Sustained updates: at most one redraw per interval.
        QElapsedTimer clock;
        clock.start();
        const int start = chart.redrawCount();
        while (clock.elapsed() < 400) {
            chart.requestRedraw();
            QTest::qWait(2);
        }
        const int redraws = chart.redrawCount() - start;
        QVERIFY2(redraws <= 400 / ChartWidget::kRedrawIntervalMs + 1, qPrintable(QString::number(redraws)));
        LOFTQ_VERIFY_WALL_TIME(redraws >= 3, qPrintable(QString::number(redraws))); // a redraw takes longer when sanitized
    }

    void everyChartSavesPngAndPdf()
    {
        PlanDocument document;
        RunResults results;
        document.setCheckpoint(llama);
        feedRun(*llama, document.plan(), results);
        StepErrorChart steps(document, results);
        LayerErrorChart layers(document, results);
        SpectrumChart spectrum;
        const auto& layer = document.layers().front().layer;
        spectrum.setSpectrum(residualSpectrum(*llama, document.plan(), layer));
        steps.setHighlighted({layer.tensorName});
        layers.setHighlighted({layer.tensorName});
        QTemporaryDir dir;
        for (ChartWidget* chart : std::initializer_list<ChartWidget*>{&steps, &layers, &spectrum}) {
            for (const char* suffix : {"png", "pdf"}) {
                const QString path = dir.filePath(QString("%1.%2").arg(chart->metaObject()->className()).arg(suffix));
                QVERIFY2(chart->saveImage(path), qPrintable(path));
                QVERIFY2(QFileInfo(path).size() > 1000, qPrintable(path));
            }
            QVERIFY(!chart->saveImage(dir.filePath("chart.bmp"))); // only PNG and PDF
        }
        QCOMPARE(steps.plot()->graphCount(), 14);
        QVERIFY(spectrum.title().contains(QString::fromStdString(layer.tensorName)));
    }

    void spectrumMatchesTheRunsAdapter()
    {
        Plan plan;
        plan.defaults.bits = 2;
        plan.defaults.rank = 8;
        const auto report = runJob(*llama, plan, RunOptions{});
        for (const auto& layerReport : report.layers) {
            const auto s = residualSpectrum(*llama, plan, layerReport.layer);
            QCOMPARE(s.rank, layerReport.rank);
            QCOMPARE(s.bestStep, layerReport.bestStep);
            QCOMPARE(s.residual.size(), std::size_t(std::min(layerReport.layer.outFeatures, layerReport.layer.inFeatures)));
            QCOMPARE(s.weight.size(), s.residual.size());
            // The run's randomized SVD found (nearly) the residual's exact top singular values.
            for (int i = 0; i < s.rank; ++i)
                QVERIFY(std::abs(s.residual[i] - layerReport.adapterSingularValues[i]) <= 0.03 * s.residual[i]);
            QVERIFY(s.capturedEnergy() > 0.0 && s.capturedEnergy() < 1.0);
            QVERIFY(std::is_sorted(s.residual.rbegin(), s.residual.rend()));
        }
    }

    void spectrumControllerDeliversAndReportsErrors()
    {
        PlanDocument document;
        document.setCheckpoint(llama);
        SpectrumController spectra;
        QSignalSpy ready(&spectra, &SpectrumController::ready);
        QSignalSpy failed(&spectra, &SpectrumController::failed);
        // Three requests in a row: only the last one is delivered.
        for (int i = 0; i < 3; ++i)
            spectra.request({llama, document.plan(), document.layers()[std::size_t(i)].layer, 1});
        QVERIFY(ready.wait(test::engineMs(30000)));
        QTest::qWait(100);
        QCOMPARE(ready.size(), 1);
        QCOMPARE(ready.first().first().value<ResidualSpectrum>().tensorName, document.layers()[2].layer.tensorName);

        Plan keepAll = document.plan();
        keepAll.defaults.quantize = false;
        spectra.request({llama, keepAll, document.layers()[0].layer, 1});
        QVERIFY(failed.wait(test::engineMs(30000)));
        QVERIFY(failed.first().at(1).toString().contains("kept unquantized"));
    }
};

QTEST_MAIN(TestCharts)
#include "test_ui_charts.moc"
