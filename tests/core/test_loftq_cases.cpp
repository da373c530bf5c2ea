// LoftQ per matrix against two independent references (tests/support/reference_cases.hpp): the
// numpy oracle's cases and the PyTorch reference's cases of shared/reference. For each case, Q after
// step 1 is the reference's Q1 (nf: equal; uniform: the same codes, values within
// kUniformValueRelTolerance) and the per-step errors agree within kStepErrorTolerance
// (docs/algorithm.md "Checked against"). Plus the invariants of the best step and cancellation.
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "loftq/loftq_matrix.hpp"
#include "brute_force_code.hpp"
#include "reference_cases.hpp"
#include "test_paths.hpp"

#include <QtTest>
#include <map>

using namespace loftq;

namespace {
constexpr double kStepErrorTolerance = 1e-4;        // absolute, the bound for exact SVD
// A uniform scale is mean + 2.5 std; its last bit depends on how the two are summed (ours is the
// correctly rounded value, torch's and numpy's float32 sums may differ by an ulp or two).
constexpr double kUniformValueRelTolerance = 1e-6;

// Largest differences seen per reference ("oracle", "shared"), printed at the end.
struct Differences {
    double stepError = 0, qloraError = 0, nfValue = 0, uniformValueRel = 0;
    int cases = 0;
};
} // namespace

class TestLoftqCases : public QObject {
    Q_OBJECT
    std::vector<test::ReferenceCase> cases_;
    std::map<std::string, Checkpoint> vectors_;
    std::map<std::string, Differences> seen_;

    const Checkpoint& vectorsOf(const test::ReferenceCase& c)
    {
        auto it = vectors_.find(c.vectorsFile);
        if (it == vectors_.end())
            it = vectors_.emplace(c.vectorsFile, Checkpoint::open(c.vectorsFile)).first;
        return it->second;
    }

    static LoftqSettings settingsOf(const test::ReferenceCase& c, int steps)
    {
        LoftqSettings s;
        s.quantizer = c.quantizer;
        s.rank = c.rank;
        s.steps = steps;
        s.svd.method = SvdMethod::Exact; // both references take a full SVD
        return s;
    }

    void addCaseRows()
    {
        QTest::addColumn<int>("index");
        for (std::size_t i = 0; i < cases_.size(); ++i)
            QTest::newRow(cases_[i].name.c_str()) << int(i);
    }

    Differences& differencesOf(const test::ReferenceCase& c) { return seen_[c.name.substr(0, c.name.find('/'))]; }

private slots:
    void initTestCase()
    {
        LOFTQ_REQUIRE_SHARED(test::sharedReference() + "/cases.json");
        cases_ = test::oracleCases();
        QVERIFY(cases_.size() >= 10);
        const auto shared = test::sharedReferenceCases();
        QCOMPARE(shared.size(), std::size_t(20));
        cases_.insert(cases_.end(), shared.begin(), shared.end());
    }

    void cleanupTestCase()
    {
        for (const auto& [source, d] : seen_)
            qInfo("%s: %d cases; max |step error - reference| %.3g, max |qlora error - reference| %.3g, "
                  "max |nf Q1 - reference| %.3g, max uniform Q1 relative difference %.3g",
                  source.c_str(), d.cases, d.stepError, d.qloraError, d.nfValue, d.uniformValueRel);
    }

    void stepOneIsTheReferenceQ1_data() { addCaseRows(); }

    void stepOneIsTheReferenceQ1()
    {
        QFETCH(int, index);
        const auto& c = cases_[std::size_t(index)];
        const auto& vectors = vectorsOf(c);
        QVERIFY2(vectors.find(c.wTensor) && vectors.find(c.q1Tensor), c.name.c_str());
        const auto W = vectors.readMatrix(*vectors.find(c.wTensor));
        const auto Q1 = vectors.readMatrix(*vectors.find(c.q1Tensor));
        const auto* storedCodes = c.codes1Tensor.empty() ? nullptr : vectors.find(c.codes1Tensor);
        const auto r = runLoftq(W, settingsOf(c, 1)); // one step: the result is step 1's Q
        QCOMPARE(r.Q.rows(), Q1.rows());
        QCOMPARE(r.Q.cols(), Q1.cols());
        const auto& table = codebook(c.quantizer.method, c.quantizer.bits);
        auto& seen = differencesOf(c);
        ++seen.cases;
        for (Eigen::Index i = 0; i < W.size(); ++i) {
            const float ours = r.Q.data()[i], expected = Q1.data()[i];
            const float scale = r.quantized.scales[std::size_t(i / c.quantizer.blockSize)];
            const auto where = [&] {
                return QString("%1 element %2: Q %3, reference %4")
                    .arg(c.name.c_str()).arg(i).arg(ours, 0, 'g', 9).arg(expected, 0, 'g', 9);
            };
            if (c.quantizer.method == QuantMethod::NormalFloat) {
                seen.nfValue = std::max(seen.nfValue, double(std::fabs(ours - expected)));
                if (ours != expected)
                    QFAIL(qPrintable(where()));
            } else {
                const double rel = std::fabs(double(ours) - expected) / std::max(std::fabs(double(expected)), 1e-30);
                seen.uniformValueRel = std::max(seen.uniformValueRel, ours == expected ? 0.0 : rel);
                if (ours != expected && rel > kUniformValueRelTolerance)
                    QFAIL(qPrintable(where()));
            }
            // Codes where the block has a scale (a zero block's codes are a convention, its values 0).
            if (scale != 0) {
                const int code = storedCodes ? std::to_integer<int>(vectors.rawBytes(*storedCodes)[std::size_t(i)])
                                             : test::bruteForceCode(table, expected / scale); // the code Q1 stands for
                if (r.quantized.codes[std::size_t(i)] != code)
                    QFAIL(qPrintable(where() + QString(": code %1, reference %2").arg(r.quantized.codes[std::size_t(i)]).arg(code)));
            }
        }
    }

    void stepErrorsMatchTheReference_data() { addCaseRows(); }

    void stepErrorsMatchTheReference()
    {
        QFETCH(int, index);
        const auto& c = cases_[std::size_t(index)];
        const auto& vectors = vectorsOf(c);
        QVERIFY2(vectors.find(c.wTensor), c.name.c_str());
        const auto r = runLoftq(vectors.readMatrix(*vectors.find(c.wTensor)), settingsOf(c, c.steps));
        auto& seen = differencesOf(c);
        QCOMPARE(r.steps.size(), c.stepRelErrors.size());
        for (std::size_t t = 0; t < c.stepRelErrors.size(); ++t) {
            const double diff = std::fabs(r.steps[t].relError - c.stepRelErrors[t]);
            seen.stepError = std::max(seen.stepError, diff);
            QVERIFY2(diff <= kStepErrorTolerance,
                     qPrintable(QString("%1 step %2: %3 vs reference %4")
                                    .arg(c.name.c_str()).arg(t + 1).arg(r.steps[t].relError, 0, 'g', 8)
                                    .arg(c.stepRelErrors[t], 0, 'g', 8)));
        }
        const double qloraDiff = std::fabs(r.qloraRelError - c.qloraRelError);
        seen.qloraError = std::max(seen.qloraError, qloraDiff);
        QVERIFY2(qloraDiff <= kStepErrorTolerance, qPrintable(QString("%1 qlora error %2 vs reference %3")
                                                                  .arg(c.name.c_str()).arg(r.qloraRelError, 0, 'g', 8)
                                                                  .arg(c.qloraRelError, 0, 'g', 8)));
        if (c.bestStep)
            QCOMPARE(r.bestStep, *c.bestStep);
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
