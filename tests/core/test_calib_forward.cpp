// Calibration statistics from the workbench's own forward pass (docs/calibration.md): H of every
// target input equals transformers' H for the same windows (tests/data/calib, made on the GPU
// machine by tests/tools/calib_reference_stats.py), Conv1D and fused projections included; token
// counts, shared inputs stored once, one H in memory at a time, the same H at any thread count,
// nothing left behind by a cancel, and the refusals.
#include "loftq/calib_stats.hpp"
#include "loftq/calibrate.hpp"
#include "bad_input.hpp"
#include "loftq/errors.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <functional>

using namespace loftq;

namespace {

// Relative Frobenius distance from transformers' H: two float32 forward passes (different
// summation orders in the products, attention and norms) agree to about 1e-6 per activation.
constexpr double kForwardTolerance = 1e-4;

std::string tokenFile(const std::string& name) { return test::sourceDir() + "/tests/data/model/" + name; }
std::string reference(const std::string& fixture) { return test::sourceDir() + "/tests/data/calib/" + fixture + ".safetensors"; }

EvalOptions windowsOf(int context, int threads)
{
    EvalOptions o;
    o.context = context;
    o.threads = threads;
    return o;
}

std::size_t filesIn(const QString& dir)
{
    return std::size_t(std::distance(std::filesystem::directory_iterator(dir.toStdString()), {}));
}

} // namespace

class TestCalibForward : public QObject {
    Q_OBJECT
private slots:
    void matchesTransformers_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("tokens");
        QTest::addColumn<int>("context");
        QTest::addColumn<int>("inputsPerBlock");
        QTest::newRow("llama") << "llama-f16" << "fixture128.tokens.json" << 128 << 4; // q+k+v, o, gate+up, down
        QTest::newRow("phi3 fused") << "phi3-f32" << "fixture128.tokens.json" << 128 << 4;
        QTest::newRow("gpt2 Conv1D") << "gpt2-f32" << "fixture128-gpt2.tokens.json" << 64 << 4;
    }

    void matchesTransformers()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, tokens);
        QFETCH(int, context);
        QFETCH(int, inputsPerBlock);
        const auto model = test::sharedFixture(fixture.toStdString());
        LOFTQ_REQUIRE_SHARED(model);
        const auto out = dir_.filePath(fixture + ".safetensors").toStdString();
        const auto ids = tokensFromFile(tokenFile(tokens.toStdString()));
        const auto summary = collectCalibration(model, ids, out, windowsOf(context, 2), false);

        const auto stats = CalibrationStats::open(out);
        const auto expected = CalibrationStats::open(reference(fixture.toStdString()));
        const auto& m = stats.manifest();
        QCOMPARE(summary.tokenCount, expected.manifest().tokens);
        QCOMPARE(m.tokens, ids.ids.size() / std::size_t(context) * std::size_t(context));
        QCOMPARE(m.context, context);
        QCOMPARE(m.textSha256, sha256OfFile(ids.source));
        const auto cp = Checkpoint::open(model);
        QCOMPARE(m.configSha256, configSha256(cp));
        const auto targets = selectTargets(cp);
        stats.validateFor(cp, targets);

        // Shared inputs once, each with every token.
        const int blocks = targets.back().place.block + 1;
        QCOMPARE(int(m.inputs.size()), inputsPerBlock * blocks);
        QCOMPARE(summary.inputs, m.inputs.size());
        std::size_t consumers = 0, largest = 0;
        for (const auto& input : m.inputs) {
            QCOMPARE(input.tokens, m.tokens);
            consumers += input.consumers.size();
            largest = std::max(largest, std::size_t(input.features * input.features) * sizeof(double));
        }
        QCOMPARE(consumers, targets.size());
        // One H in memory at a time.
        QCOMPARE(summary.peakHessianBytes, largest);

        for (const auto& t : targets) {
            const Eigen::MatrixXd H = stats.hessianFor(t), R = expected.hessianFor(t);
            const double distance = (H - R).norm() / R.norm();
            QVERIFY2(distance < kForwardTolerance, qPrintable(QString::fromStdString(t.modulePath) +
                                                              QStringLiteral(": relative distance %1").arg(distance)));
        }
    }

    // The forward pass and the accumulator work in fixed chunks: H does not depend on the threads.
    void sameStatisticsAtAnyThreadCount()
    {
        const auto model = test::sharedFixture("llama-f16");
        LOFTQ_REQUIRE_SHARED(model);
        const auto ids = tokensFromFile(tokenFile("fixture128.tokens.json"));
        const auto one = dir_.filePath("threads1.safetensors").toStdString();
        const auto three = dir_.filePath("threads3.safetensors").toStdString();
        collectCalibration(model, ids, one, windowsOf(128, 1), false);
        collectCalibration(model, ids, three, windowsOf(128, 3), false);
        const auto a = CalibrationStats::open(one), b = CalibrationStats::open(three);
        for (const auto& t : selectTargets(Checkpoint::open(model)))
            QVERIFY(a.hessianFor(t) == b.hessianFor(t));
    }

    void cancelLeavesNothing()
    {
        const auto model = test::sharedFixture("llama-f16");
        LOFTQ_REQUIRE_SHARED(model);
        QTemporaryDir empty;
        const auto out = empty.filePath("stats.safetensors").toStdString();
        std::atomic<bool> cancel{false};
        int finished = 0;
        const ProgressSink cancelAfterFirstBlock = [&](const ProgressEvent& e) {
            if (e.kind == ProgressEvent::Kind::LayerFinished && ++finished == 1)
                cancel = true;
        };
        try {
            collectCalibration(model, tokensFromFile(tokenFile("fixture128.tokens.json")), out, windowsOf(128, 2), false,
                               cancelAfterFirstBlock, &cancel);
            QFAIL("not cancelled");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
        QCOMPARE(finished, 1);
        QCOMPARE(filesIn(empty.path()), std::size_t(0));
    }

    void refusals()
    {
        const auto model = test::sharedFixture("llama-f16");
        LOFTQ_REQUIRE_SHARED(model);
        const auto ids = tokensFromFile(tokenFile("fixture128.tokens.json"));
        QTemporaryDir empty;
        const auto out = empty.filePath("stats.safetensors").toStdString();
        // Fewer tokens than one window.
        auto few = windowsOf(128, 2);
        few.maxTokens = 100;
        QVERIFY(test::badInputOf([&] { collectCalibration(model, ids, out, few, false); })
                    .starts_with(ids.source + ": 100 tokens are fewer than one window of 128"));
        // A model the forward pass does not compute.
        const auto bert = test::fixture("bert");
        QVERIFY(test::badInputOf([&] { collectCalibration(bert, ids, out, windowsOf(128, 2), false); }).find("model_type") !=
                std::string::npos);
        QCOMPARE(filesIn(empty.path()), std::size_t(0));
        // An existing output, unless replaced.
        std::ofstream(out) << "keep me";
        QVERIFY(test::badInputOf([&] { collectCalibration(model, ids, out, windowsOf(128, 2), false); })
                    .starts_with(out + ": exists"));
        QCOMPARE(std::filesystem::file_size(out), std::uintmax_t(7));
        collectCalibration(model, ids, out, windowsOf(128, 2), true);
        QCOMPARE(CalibrationStats::open(out).manifest().tokens, std::uint64_t(1024));
    }

private:
    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TestCalibForward)
#include "test_calib_forward.moc"
