// Runtime CPU dispatch (issue 15, docs/cpu-dispatch.md), in process: every level this machine runs
// gives bit-identical quantizer codes, scales and dequantized values, dtype round trips and LoftQ
// step-1 codes, and LoftQ errors within kLevelErrorTolerance of each other (FMA contraction and
// vector widths change the rounding of GEMMs and sums, not the algorithm); the forward pass
// (evaluation of the demo model) and the calibration kernels (H = X^T X, the output objective's
// fit) within named bounds. On a machine that runs one level there is nothing to compare.
#include "loftq/calib_objective.hpp"
#include "loftq/checkpoint.hpp"
#include "loftq/cpu_level.hpp"
#include "loftq/dtype.hpp"
#include "loftq/errors.hpp"
#include "loftq/eval.hpp"
#include "loftq/loftq_matrix.hpp"
#include "loftq/quantizer.hpp"
#include "loftq/targets.hpp"
#include "synthetic_calibration.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <random>

using namespace loftq;

namespace {

// Largest difference in relative error between two levels on the matrices below, measured at
// 1.4e-5 (1024 x 4096, nf2, fast SVD; docs/cpu-dispatch.md): the bound leaves a factor of 7.
constexpr double kLevelErrorTolerance = 1e-4;
// The demo's evaluation (forward pass, LM head, log-softmax): mean NLL and per-window NLL in nats;
// float32 activations through two blocks differ by rounding only. Measured: 1.2e-6 nats.
constexpr double kLevelNllTolerance = 1e-5;
// Calibration: H = sum X^T X, relative to its largest entry (float32 products summed in float64),
// and the output objective's fitted errors, relative. Measured: 2.8e-7 and 8.1e-7.
constexpr double kLevelHessianTolerance = 3e-6;
constexpr double kLevelObjectiveTolerance = 1e-5;

std::vector<float> gaussian(std::size_t n, std::uint64_t seed)
{
    std::mt19937_64 engine(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(n);
    for (auto& x : v)
        x = normal(engine);
    return v;
}

// A weight-like matrix: a few strong directions plus noise, with a zero block and some outliers.
MatrixRM weightLike(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed)
{
    const auto u = gaussian(std::size_t(rows) * 8, seed), v = gaussian(std::size_t(cols) * 8, seed + 1),
               noise = gaussian(std::size_t(rows * cols), seed + 2);
    MatrixRM W = Eigen::Map<const MatrixRM>(noise.data(), rows, cols) * 0.02f;
    W += Eigen::Map<const MatrixRM>(u.data(), rows, 8) * Eigen::Map<const MatrixRM>(v.data(), 8, cols) * 0.01f;
    W.row(3).head(64).setZero();
    W(5, 7) = 3.0f;
    return W;
}

std::vector<std::string> levels()
{
    std::vector<std::string> names;
    for (auto l : cpu::runnableLevels())
        names.emplace_back(l);
    return names;
}

} // namespace

class TestCpuDispatch : public QObject {
    Q_OBJECT
private slots:
    void init()
    {
        if (levels().size() < 2)
            QSKIP("this build or machine runs one CPU level: nothing to compare");
    }

    void cleanup()
    {
        // The best level again for whatever runs next.
        cpu::useLevel(levels().back());
    }

    void eachLevelReportsItself()
    {
        for (const auto& level : levels()) {
            cpu::useLevel(level);
            QCOMPARE(std::string(cpu::activeLevel()), level);
            QVERIFY2(cpu::levelReport().find(level) != std::string::npos, cpu::levelReport().c_str());
        }
        // Short names work too, and names that are not levels are refused.
        cpu::useLevel("v2");
        QCOMPARE(std::string(cpu::activeLevel()), std::string("x86-64-v2"));
        for (const char* bad : {"v9", "native", ""}) {
            bool refused = false;
            try {
                cpu::useLevel(bad);
            } catch (const Error& e) {
                refused = e.kind() == ErrorKind::BadInput;
            }
            QVERIFY2(refused, bad);
        }
    }

    void quantizerIsIdenticalAtEveryLevel()
    {
        const auto x = gaussian(256 * 1024, 7);
        for (auto method : {QuantMethod::NormalFloat, QuantMethod::Uniform})
            for (int bits : {2, 3, 4, 8})
                for (auto arithmetic : {ScaleArithmetic::Divide, ScaleArithmetic::MultiplyByReciprocal}) {
                    const QuantizerSpec spec{method, bits, 64, arithmetic};
                    QuantizedBlocks first;
                    std::vector<float> firstY;
                    for (const auto& level : levels()) {
                        cpu::useLevel(level);
                        QuantizedBlocks q;
                        std::vector<float> y(x.size());
                        quantizeBlockwise(spec, x, q, y, 2);
                        if (firstY.empty()) {
                            first = q;
                            firstY = y;
                            continue;
                        }
                        const auto name = std::string(quantMethodName(method)) + std::to_string(bits) + " at " + level;
                        QVERIFY2(q.codes == first.codes, name.c_str());
                        QVERIFY2(q.scales == first.scales, name.c_str());
                        QVERIFY2(std::memcmp(y.data(), firstY.data(), y.size() * sizeof(float)) == 0, name.c_str());
                    }
                }
    }

    void dtypeRoundTripsAreIdentical()
    {
        auto x = gaussian(100000, 11);
        x[0] = 65520.0f; // past f16's largest finite value
        x[1] = 1e-8f;    // f16 subnormal territory
        for (auto dtype : {DType::BF16, DType::F16}) {
            std::vector<float> first;
            for (const auto& level : levels()) {
                cpu::useLevel(level);
                auto y = x;
                roundTripThrough(dtype, y.data(), y.size());
                if (first.empty())
                    first = y;
                QVERIFY2(std::memcmp(y.data(), first.data(), y.size() * sizeof(float)) == 0, level.c_str());
            }
        }
    }

    void loftqAgreesAcrossLevels_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::addColumn<int>("bits");
        QTest::addColumn<int>("svd");
        // 1024 x 4096 is past the large-matrix schedule's threshold (one power iteration per step).
        QTest::newRow("512x768 nf2 fast") << 512 << 768 << 2 << int(SvdMethod::Fast);
        QTest::newRow("256x512 nf4 exact") << 256 << 512 << 4 << int(SvdMethod::Exact);
        QTest::newRow("1024x4096 nf2 fast") << 1024 << 4096 << 2 << int(SvdMethod::Fast);
    }

    void loftqAgreesAcrossLevels()
    {
        QFETCH(int, rows);
        QFETCH(int, cols);
        QFETCH(int, bits);
        QFETCH(int, svd);
        const MatrixRM W = weightLike(rows, cols, 3);
        LoftqSettings s;
        s.quantizer = {QuantMethod::NormalFloat, bits, 64};
        s.rank = 16;
        s.steps = 5;
        s.svd.method = SvdMethod(svd);
        s.svd.seed = 42;
        s.svd.threads = 2;
        std::optional<LoftqResult> first;
        QuantizedBlocks firstCodes;
        double worst = 0;
        for (const auto& level : levels()) {
            cpu::useLevel(level);
            const auto r = runLoftq(W, s);
            // Step 1 quantizes W itself: the same codes and scales to the last bit.
            auto quantizeOnly = s;
            quantizeOnly.steps = 1;
            const auto q = runLoftq(W, quantizeOnly);
            if (!first) {
                first = r;
                firstCodes = q.quantized;
                continue;
            }
            QVERIFY2(q.quantized.codes == firstCodes.codes && q.quantized.scales == firstCodes.scales, level.c_str());
            // Errors are sums of squares, whose float partial sums follow the vector width.
            worst = std::max(worst, std::fabs(r.qloraRelError - first->qloraRelError));
            QCOMPARE(r.steps.size(), first->steps.size());
            for (std::size_t t = 0; t < r.steps.size(); ++t)
                worst = std::max(worst, std::fabs(r.steps[t].relError - first->steps[t].relError));
        }
        qInfo("largest step-error difference between levels: %.3g", worst);
        QVERIFY2(worst <= kLevelErrorTolerance, qPrintable(QString::number(worst)));
    }

    void forwardPassAgreesAcrossLevels()
    {
        const auto model = openModelSource(test::demoModel());
        EvalTokens tokens;
        std::mt19937 engine(5);
        for (int i = 0; i < 96; ++i)
            tokens.ids.push_back(TokenId(engine() % 256));
        EvalOptions options;
        options.context = 32;
        options.threads = 2;
        std::optional<EvalResult> first;
        double worst = 0;
        for (const auto& level : levels()) {
            cpu::useLevel(level);
            const auto r = evaluate(*model, nullptr, tokens, options);
            if (!first) {
                first = r;
                continue;
            }
            worst = std::max(worst, std::fabs(r.metrics.nll - first->metrics.nll));
            QCOMPARE(r.metrics.windowNll.size(), first->metrics.windowNll.size());
            for (std::size_t w = 0; w < r.metrics.windowNll.size(); ++w)
                worst = std::max(worst, std::fabs(r.metrics.windowNll[w] - first->metrics.windowNll[w]));
        }
        qInfo("largest NLL difference between levels: %.3g nats", worst);
        QVERIFY2(worst <= kLevelNllTolerance, qPrintable(QString::number(worst)));
    }

    void calibrationAgreesAcrossLevels()
    {
        const auto checkpoint = Checkpoint::open(test::demoModel());
        const auto targets = selectTargets(checkpoint);
        QTemporaryDir dir;
        std::vector<Eigen::MatrixXd> firstH;
        std::optional<AdapterFit> firstFit;
        const MatrixRM W = weightLike(Eigen::Index(targets[0].outFeatures), Eigen::Index(targets[0].inFeatures), 9);
        double worstH = 0, worstFit = 0;
        for (const auto& level : levels()) {
            cpu::useLevel(level);
            const auto path = dir.filePath(QString::fromStdString(level)).toStdString();
            test::writeSyntheticStatistics(checkpoint, path, 700);
            const auto stats = CalibrationStats::open(path);
            std::string problem;
            const auto H0 = stats.hessianFor(targets[0]);
            const auto objective = OutputObjective::create(H0, kDefaultDamping, problem);
            QVERIFY2(objective, problem.c_str());
            SvdOptions svd;
            svd.method = SvdMethod::Fast;
            svd.seed = 42;
            svd.threads = 2;
            const auto fit = objective->fit(W, double(W.squaredNorm()), 8, svd, nullptr);
            if (firstH.empty()) {
                for (const auto& t : targets)
                    firstH.push_back(stats.hessianFor(t));
                firstFit = fit;
                continue;
            }
            for (std::size_t i = 0; i < targets.size(); ++i) {
                const auto& reference = firstH[i];
                const double scale = reference.cwiseAbs().maxCoeff();
                worstH = std::max(worstH, (stats.hessianFor(targets[i]) - reference).cwiseAbs().maxCoeff() / scale);
            }
            for (auto [ours, theirs] : {std::pair{*fit.outputSquaredError, *firstFit->outputSquaredError},
                                        std::pair{fit.weightSquaredError, firstFit->weightSquaredError}})
                worstFit = std::max(worstFit, std::fabs(ours - theirs) / std::fabs(theirs));
        }
        qInfo("largest difference between levels: H %.3g (of its largest entry), objective fit %.3g (relative)",
              worstH, worstFit);
        QVERIFY2(worstH <= kLevelHessianTolerance, qPrintable(QString::number(worstH)));
        QVERIFY2(worstFit <= kLevelObjectiveTolerance, qPrintable(QString::number(worstFit)));
    }
};

QTEST_GUILESS_MAIN(TestCpuDispatch)
#include "test_cpu_dispatch.moc"
