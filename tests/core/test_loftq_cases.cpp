// LoftQ per matrix against the oracle's cases (tests/oracle, made from algorithm.md with a float64
// SVD): per-step errors within kStepErrorTolerance, best step, and the invariants of algorithm.md.
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "loftq/loftq_matrix.hpp"
#include "test_paths.hpp"

#include <QtTest>

using namespace loftq;

namespace {
constexpr double kStepErrorTolerance = 1e-4; // absolute, the bound for exact SVD
}

class TestLoftqCases : public QObject {
    Q_OBJECT
private slots:
    void exactSvdMatchesTheOracle()
    {
        const auto cases = test::readJson(test::oracleDir() + "/cases/cases.json");
        const auto vectors = Checkpoint::open(test::oracleDir() + "/cases/vectors.safetensors");
        QVERIFY(cases.size() >= 10);
        for (const auto& c : cases) {
            const std::string name = c.at("name");
            LoftqSettings s;
            s.quantizer = {*parseQuantMethod(c.at("method").get<std::string>()), c.at("bits").get<int>(),
                           c.at("block_size").get<int>()};
            s.rank = c.at("rank");
            s.steps = c.at("steps");
            s.svd.method = SvdMethod::Exact;
            const auto W = vectors.readMatrix(*vectors.find(name + ".W"));
            const auto r = runLoftq(W, s);
            const auto expected = c.at("rel_error").get<std::vector<double>>();
            QCOMPARE(r.steps.size(), expected.size());
            for (std::size_t t = 0; t < expected.size(); ++t)
                QVERIFY2(std::fabs(r.steps[t].relError - expected[t]) <= kStepErrorTolerance,
                         qPrintable(QString("%1 step %2: %3 vs oracle %4")
                                        .arg(name.c_str()).arg(t + 1).arg(r.steps[t].relError, 0, 'g', 8)
                                        .arg(expected[t], 0, 'g', 8)));
            QVERIFY(std::fabs(r.qloraRelError - c.at("qlora_rel_error").get<double>()) <= kStepErrorTolerance);
            QCOMPARE(r.bestStep, c.at("best_step").get<int>());
        }
    }

    void bestStepIsNeverWorseThanStepOne()
    {
        // Case 1 of the oracle rises after step 2: the result must be step 2's, not step 5's.
        const auto vectors = Checkpoint::open(test::oracleDir() + "/cases/vectors.safetensors");
        const auto W = vectors.readMatrix(*vectors.find("case1.W"));
        LoftqSettings s;
        s.quantizer = {QuantMethod::NormalFloat, 2, 64};
        s.rank = 16;
        s.steps = 5;
        s.svd.method = SvdMethod::Exact;
        const auto r = runLoftq(W, s);
        QVERIFY(r.steps.back().relError > r.steps[1].relError);
        QCOMPARE(r.bestStep, 2);
        // The returned factors are the best step's: recompute its error from them.
        const double norm = W.cast<double>().norm();
        const double err = (W - r.Q - MatrixRM(r.B * r.A)).cast<double>().norm() / norm;
        QVERIFY(std::fabs(err - r.steps[1].relError) < 1e-6);
        QVERIFY(err <= r.steps[0].relError);
    }

    void cancellationStopsBetweenSteps()
    {
        MatrixRM W = MatrixRM::Random(128, 128);
        std::atomic<bool> cancel{false};
        LoftqSettings s;
        int steps = 0;
        try {
            runLoftq(W, s, [&](const LoftqStep&) {
                if (++steps == 2)
                    cancel = true;
            }, &cancel);
            QFAIL("expected cancellation");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Cancelled);
        }
        QCOMPARE(steps, 2);
    }

    void rankAboveMinDimensionIsClamped()
    {
        MatrixRM W = MatrixRM::Random(8, 64);
        LoftqSettings s;
        s.rank = 32;
        s.steps = 2;
        const auto r = runLoftq(W, s);
        QCOMPARE(r.A.rows(), 8);
        // Full rank: the adapter absorbs the whole residual.
        QVERIFY(r.steps.back().relError < 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestLoftqCases)
#include "test_loftq_cases.moc"
