// Runtime CPU dispatch through `loftq` (issue 15, docs/cpu-dispatch.md): LOFTQ_CPU_LEVEL picks the
// level (--version says which), a level that is not one is refused with exit status 2, and the demo
// quantized at every level this machine runs gives the same backbone bytes when only quantization
// decides them (--iters 1) and per-layer errors within kLevelErrorTolerance.
#include "loftq/cpu_level.hpp"
#include "loftq_process.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>

using namespace loftq;

namespace {

constexpr double kLevelErrorTolerance = 1e-4; // as in test_cpu_dispatch (docs/cpu-dispatch.md)
constexpr const char* kVariable = "LOFTQ_CPU_LEVEL";

test::CliResult runAtLevel(const QString& level, const QStringList& args)
{
    qputenv(kVariable, level.toUtf8());
    auto r = test::runLoftq(args, 300000);
    qunsetenv(kVariable);
    return r;
}

QStringList levels()
{
    QStringList names;
    for (auto l : cpu::runnableLevels())
        names << QString::fromUtf8(l.data(), qsizetype(l.size()));
    return names;
}

} // namespace

class TestCpuLevelsCli : public QObject {
    Q_OBJECT
private slots:
    void init()
    {
        if (levels().size() < 2)
            QSKIP("this build or machine runs one CPU level: nothing to compare");
    }

    void versionNamesTheLevel()
    {
        const auto plain = test::runLoftq({"--version"});
        QCOMPARE(plain.exitCode, 0);
        QVERIFY2(plain.out.contains("cpu: " + levels().back().toUtf8()), plain.out.constData());
        for (const auto& level : levels()) {
            const auto r = runAtLevel(level.right(2), {"--version"}); // "v3" as well as "x86-64-v3"
            QCOMPARE(r.exitCode, 0);
            QVERIFY2(r.out.contains("cpu: " + level.toUtf8()) && r.out.contains(kVariable), r.out.constData());
        }
    }

    void refusesWhatIsNotALevel()
    {
        const auto r = runAtLevel("v9", {"--version"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains("LOFTQ_CPU_LEVEL=v9") && r.err.contains("not a level"), r.err.constData());
    }

    void demoAgreesAcrossLevels_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<bool>("identicalBackbone");
        QTest::newRow("quantization only") << QStringList{"--bits", "2", "--iters", "1", "--rank", "8"} << true;
        // The first block's 7 layers: three levels' runs stay well inside Qt Test's 5 minutes per test.
        QTest::newRow("3 steps") << QStringList{"--bits", "2", "--iters", "3", "--rank", "16", "--seed", "7",
                                                "--target", R"(layers\.0\.)"}
                                 << false;
    }

    void demoAgreesAcrossLevels()
    {
        QFETCH(QStringList, args);
        QFETCH(bool, identicalBackbone);
        QTemporaryDir tmp;
        std::string firstBackbone;
        nlohmann::json firstReport;
        double worst = 0;
        for (const auto& level : levels()) {
            const QString out = tmp.path() + "/" + level;
            const auto r = runAtLevel(level, QStringList{"quantize", QString::fromStdString(test::demoModel()), "-o", out,
                                                         "--threads", "2"} + args);
            QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
            const auto backbone = test::readBytes(out.toStdString() + "/model.safetensors");
            const auto report = test::readJson(out.toStdString() + "/loftq_report.json");
            if (firstBackbone.empty()) {
                firstBackbone = backbone;
                firstReport = report;
                continue;
            }
            if (identicalBackbone)
                QVERIFY2(backbone == firstBackbone, qPrintable(level));
            const auto& layers = report.at("layers");
            QCOMPARE(layers.size(), firstReport.at("layers").size());
            for (std::size_t i = 0; i < layers.size(); ++i) {
                const auto& a = layers[i];
                const auto& b = firstReport.at("layers")[i];
                for (const char* error : {"qlora_rel_error", "rel_error"})
                    worst = std::max(worst, std::fabs(a.at(error).get<double>() - b.at(error).get<double>()));
            }
        }
        qInfo("largest exported-error difference between levels: %.3g", worst);
        QVERIFY2(worst <= kLevelErrorTolerance, qPrintable(QString::number(worst)));
    }
};

QTEST_GUILESS_MAIN(TestCpuLevelsCli)
#include "test_cpu_levels_cli.moc"
