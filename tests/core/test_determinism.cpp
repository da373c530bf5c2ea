// The same input, plan and seed give byte-identical exports with 1 and 2 threads, for the fast
// (randomized) and the exact SVD. Only the report's timing fields ("seconds") and the thread
// count it records may differ.
#include "loftq_process.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <array>
#include <filesystem>

namespace fs = std::filesystem;
using namespace loftq;

namespace {

// The report records how long each layer took and with how many threads: drop those fields.
void dropRunDependentFields(nlohmann::json& j)
{
    if (j.is_object()) {
        j.erase("seconds");
        j.erase("threads");
        for (auto& [key, value] : j.items())
            dropRunDependentFields(value);
    } else if (j.is_array()) {
        for (auto& value : j)
            dropRunDependentFields(value);
    }
}

// Under TSan (CI's tsan phase) each case runs once, with 2 threads: that phase looks for races in
// the runner and the parallel kernels, which one run shows; determinism, which needs the three
// runs, is checked by the Release suite. A run under TSan takes 10-15x as long.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOFTQ_TEST_UNDER_TSAN 1
#endif
#endif
#ifdef LOFTQ_TEST_UNDER_TSAN
constexpr std::array kThreadCounts{"2"};
#else
constexpr std::array kThreadCounts{"1", "2", "2"};
#endif

} // namespace

class TestDeterminism : public QObject {
    Q_OBJECT
private slots:
    void exportsAreByteIdentical_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QStringList>("args");
        const QString demo = QString::fromStdString(test::demoModel());
        // Matrices of 512 rows and more: several row chunks, so two threads really split the work.
        QTest::newRow("demo-fast") << demo << QStringList{"--svd", "fast", "--rank", "16", "--iters", "3", "--seed", "1234"};
        QTest::newRow("demo-exact") << demo
                                    << QStringList{"--svd", "exact", "--rank", "8", "--iters", "2", "--seed", "99",
                                                   "--target", R"(layers\.0\.(self_attn\.q_proj|mlp\.down_proj))"};
        QTest::newRow("demo-uniform-3bit-bf16-adapters")
            << demo << QStringList{"--svd", "fast", "--method", "uniform", "--bits", "3", "--rank", "8", "--iters", "2",
                                   "--adapter-dtype", "bf16", "--alpha", "32"};
        QTest::newRow("gpt2-conv1d") << QString::fromStdString(test::fixture("gpt2"))
                                     << QStringList{"--svd", "fast", "--rank", "8", "--iters", "3", "--seed", "5"};
        QTest::newRow("sharded-bf16") << QString::fromStdString(test::fixture("llama-sharded-bf16"))
                                      << QStringList{"--svd", "exact", "--rank", "8", "--iters", "2"};
    }

    void exportsAreByteIdentical()
    {
        QFETCH(QString, source);
        QFETCH(QStringList, args);
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        // Each run writes to the same path (the adapter config records it), then moves aside.
        std::vector<std::string> runs;
        for (const char* threads : kThreadCounts) {
            const auto r = test::runLoftq(QStringList{"quantize", source, "-o", QString::fromStdString(out), "--threads", threads} + args,
                                          300000);
            QVERIFY2(r.exitCode == 0 && !r.crashed, r.err.constData());
            runs.push_back(tmp.path().toStdString() + "/run-" + std::to_string(runs.size()) + "-threads-" + threads);
            fs::rename(out, runs.back());
        }
        const auto files = test::treeEntries(runs[0]);
        QVERIFY(std::find(files.begin(), files.end(), "loftq_init/adapter_model.safetensors") != files.end());
        for (std::size_t i = 1; i < runs.size(); ++i) {
            QCOMPARE(test::treeEntries(runs[i]), files);
            for (const auto& f : files) {
                const auto a = runs[0] + "/" + f, b = runs[i] + "/" + f;
                if (fs::is_directory(a))
                    continue;
                if (f == "loftq_report.json") {
                    auto ja = test::readJson(a), jb = test::readJson(b);
                    dropRunDependentFields(ja);
                    dropRunDependentFields(jb);
                    QVERIFY2(ja == jb, qPrintable(QString::fromStdString(f + " differs between " + runs[0] + " and " + runs[i])));
                } else {
                    QVERIFY2(test::readBytes(a) == test::readBytes(b),
                             qPrintable(QString::fromStdString(f + " differs between " + runs[0] + " and " + runs[i])));
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestDeterminism)
#include "test_determinism.moc"
