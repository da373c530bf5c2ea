// `loftq quantize/plan --calib` (docs/calibration.md): both errors in the table and the report,
// plans on output error, and statistics that do not fit the model refused with exit status 2 and
// one line naming the statistics file.
#include "loftq_process.hpp"
#include "synthetic_calibration.hpp"

#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;

namespace {

const QString kFirstBlock = QStringLiteral("layers\\.0\\.");

// The one line a refused run prints, which must name the statistics file.
void expectRefusal(const test::CliResult& r, const std::string& statsPath)
{
    QCOMPARE(r.exitCode, 2);
    const auto lines = test::nonEmptyLines(r.err);
    QCOMPARE(lines.size(), 1);
    QVERIFY2(lines[0].startsWith(QString::fromStdString("loftq: " + statsPath + ": ")), qPrintable(lines[0]));
}

} // namespace

class TestCalibCli : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QVERIFY(dir_.isValid());
        stats_ = dir_.filePath("stats.safetensors").toStdString();
        test::writeSyntheticStatistics(Checkpoint::open(test::demoModel()), stats_, 256);
    }

    void quantizeReportsBothErrors()
    {
        const QString out = dir_.filePath("export");
        const auto r = test::runLoftq({"quantize", QString::fromStdString(test::demoModel()), "-o", out, "--bits", "2",
                                       "--rank", "8", "--iters", "2", "--target", kFirstBlock, "--threads", "2",
                                       "--calib", QString::fromStdString(stats_), "--damping", "0.02"});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("qlora_out"));
        QVERIFY(r.out.contains("damping 0.02"));
        const auto report = test::readJson(out.toStdString() + "/loftq_report.json");
        QCOMPARE(report.at("calibration").at("damping").get<double>(), 0.02);
        QCOMPARE(int(report.at("layers").size()), 7);
        for (const auto& l : report.at("layers")) {
            QCOMPARE(l.at("objective").get<std::string>(), std::string("output"));
            QVERIFY(l.at("output_rel_error").get<double>() < l.at("qlora_output_rel_error").get<double>());
        }
    }

    void planAllocatesOnOutputError()
    {
        const QString plan = dir_.filePath("plan.json");
        const auto r = test::runLoftq({"plan", QString::fromStdString(test::demoModel()), "--budget", "3bits", "-o", plan,
                                       "--bits-choices", "2,4", "--target", kFirstBlock, "--threads", "2",
                                       "--calib", QString::fromStdString(stats_)});
        QVERIFY2(r.exitCode == 0, r.err.constData());
        QVERIFY(r.out.contains("out_error"));
        QVERIFY(r.out.contains("total output error"));
        QVERIFY(QFile::exists(plan));
    }

    void statisticsThatDoNotFitAreRefused()
    {
        // Statistics of another model.
        const std::string other = dir_.filePath("llama-stats.safetensors").toStdString();
        test::writeSyntheticStatistics(Checkpoint::open(test::fixture("llama")), other, 32);
        expectRefusal(test::runLoftq({"quantize", QString::fromStdString(test::demoModel()), "-o",
                                      dir_.filePath("refused"), "--calib", QString::fromStdString(other)}),
                      other);
        QVERIFY(!QFile::exists(dir_.filePath("refused")));
        // Not statistics at all.
        const std::string model = test::demoModel() + "/model.safetensors";
        expectRefusal(test::runLoftq({"plan", QString::fromStdString(test::demoModel()), "--budget", "3bits", "-o",
                                      dir_.filePath("p.json"), "--calib", QString::fromStdString(model)}),
                      model);
        // --damping means nothing without statistics.
        const auto usage = test::runLoftq({"quantize", QString::fromStdString(test::demoModel()), "-o",
                                           dir_.filePath("x"), "--damping", "0.1"});
        QCOMPARE(usage.exitCode, 2);
    }

private:
    QTemporaryDir dir_;
    std::string stats_;
};

QTEST_GUILESS_MAIN(TestCalibCli)
#include "test_calib_cli.moc"
