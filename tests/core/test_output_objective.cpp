// The output objective (docs/calibration.md): the closed-form adapter is the best rank-r update for
// tr(E (H + lambda I) E^T) (Eckart-Young on (W - Q) L, checked in double precision and against
// every other update tried), reduces to LoftQ's plain step when H is the identity, and the
// output-aware loop never ends worse than its step 1 and gives the same bits at any thread count.
// The randomized path, which never forms R L, agrees with the randomized SVD of R L formed
// explicitly, and the blocked parallel Cholesky with Eigen's.
#include "loftq/calib_objective.hpp"
#include "loftq/loftq_matrix.hpp"
#include "linalg/parallel_cholesky.hpp"

#include <Eigen/SVD>
#include <QtTest>
#include <random>

using namespace loftq;

namespace {

// Float32 products against float64 references: relative agreement expected of float sums.
constexpr double kFloatTolerance = 2e-4;
// How much worse than the closed form any other update must be (relative): the competitors below
// are all at least this far from the optimum, so a tie within rounding is not a pass.
constexpr double kMargin = 1e-6;
// The implicit randomized SVD (products R (L X), L^T (R^T Y)) against the same iterations on R L
// formed explicitly: the same arithmetic associated differently, so float rounding (about 1e-6),
// amplified by the subspace iteration's sensitivity to its inputs (about 1 / spectral gap).
constexpr double kImplicitTolerance = 1e-4;
// Blocked Cholesky against Eigen's unblocked-order LLT, both float64: rounding only.
constexpr double kCholeskyTolerance = 1e-12;

MatrixRM gaussianMatrix(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, float scale = 1.0f)
{
    std::mt19937_64 engine(seed);
    std::normal_distribution<float> normal(0.0f, scale);
    MatrixRM m(rows, cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
        m.data()[i] = normal(engine);
    return m;
}

// Activations with a few loud channels, as LLM inputs have: H = X^T X is far from a multiple of I.
MatrixRM activations(Eigen::Index tokens, Eigen::Index in, std::uint64_t seed)
{
    MatrixRM X = gaussianMatrix(tokens, in, seed);
    for (Eigen::Index c = 0; c < in; ++c)
        X.col(c) *= c % 7 == 0 ? 20.0f : 1.0f + float(c % 5);
    return X;
}

Eigen::MatrixXd gram(const MatrixRM& X) { return X.cast<double>().transpose() * X.cast<double>(); }

// tr(E (H + lambda I) E^T) in double: the quantity the closed form minimizes.
double dampedObjective(const Eigen::MatrixXd& E, const Eigen::MatrixXd& H, double lambda)
{
    return (E * H * E.transpose()).trace() + lambda * E.squaredNorm();
}

struct Problem {
    MatrixRM W, Q;
    Eigen::MatrixXd H;
    double lambda = 0;
    std::shared_ptr<const OutputObjective> objective;
};

Problem makeProblem(Eigen::Index out, Eigen::Index in, Eigen::Index tokens, double damping, std::uint64_t seed)
{
    Problem p;
    p.W = gaussianMatrix(out, in, seed);
    // Q: W rounded to a coarse grid, so R = W - Q looks like a quantization residual.
    p.Q = (p.W.array() * 2.0f).round() / 2.0f;
    p.H = gram(activations(tokens, in, seed + 1));
    std::string problem;
    p.objective = OutputObjective::create(p.H, damping, problem);
    if (!p.objective)
        qFatal("objective refused: %s", problem.c_str());
    p.lambda = p.objective->lambda();
    return p;
}

SvdOptions exactSvd()
{
    SvdOptions o;
    o.method = SvdMethod::Exact;
    return o;
}

} // namespace

class TestOutputObjective : public QObject {
    Q_OBJECT
private slots:
    void closedFormIsOptimal_data()
    {
        QTest::addColumn<int>("tokens");
        QTest::addColumn<double>("damping");
        QTest::newRow("full-rank H, no damping") << 400 << 0.0;
        QTest::newRow("full-rank H, default damping") << 400 << kDefaultDamping;
        QTest::newRow("rank-deficient H (12 tokens), damped") << 12 << kDefaultDamping;
    }
    void closedFormIsOptimal()
    {
        QFETCH(int, tokens);
        QFETCH(double, damping);
        const int rank = 5;
        const auto p = makeProblem(48, 40, tokens, damping, 7);
        const MatrixRM R = p.W - p.Q;
        const auto fit = p.objective->fit(R, R.cast<double>().squaredNorm(), rank, exactSvd(), nullptr);
        const Eigen::MatrixXd Rd = R.cast<double>();
        auto objectiveOf = [&](const Eigen::MatrixXd& BA) { return dampedObjective(Rd - BA, p.H, p.lambda); };
        const Eigen::MatrixXd BA = (fit.B * fit.A).cast<double>();
        const double optimum = objectiveOf(BA);

        // Eckart-Young in double: the least value is the energy of (R L) past its r-th singular value.
        Eigen::MatrixXd damped = p.H;
        damped.diagonal().array() += p.lambda;
        const Eigen::MatrixXd L = damped.llt().matrixL();
        const Eigen::VectorXd sigma = Eigen::JacobiSVD<Eigen::MatrixXd>(Rd * L).singularValues();
        const double tail = sigma.tail(sigma.size() - rank).squaredNorm();
        QVERIFY2(std::fabs(optimum - tail) <= kFloatTolerance * tail,
                 qPrintable(QString("closed form %1, Eckart-Young %2").arg(optimum).arg(tail)));
        // The reported errors are the ones of the returned factors.
        QVERIFY(std::fabs(*fit.outputSquaredError - (objectiveOf(BA) - p.lambda * (Rd - BA).squaredNorm())) <=
                kFloatTolerance * optimum);
        QVERIFY(std::fabs(fit.weightSquaredError - (Rd - BA).squaredNorm()) <= kFloatTolerance * (Rd - BA).squaredNorm());

        // Every other rank-r update tried is worse.
        const auto plain = fitLowRank(R, R.cast<double>().squaredNorm(), rank, exactSvd(), nullptr);
        QVERIFY(objectiveOf((plain.B * plain.A).cast<double>()) > optimum * (1 + kMargin));
        for (int k = 0; k < rank; ++k) { // the closed form truncated to fewer directions
            const Eigen::MatrixXd fewer = (fit.B.leftCols(k) * fit.A.topRows(k)).cast<double>();
            QVERIFY(objectiveOf(fewer) > optimum * (1 + kMargin));
        }
        std::mt19937_64 engine(11);
        std::normal_distribution<double> normal;
        for (int trial = 0; trial < 20; ++trial) { // small random moves of B and A around the optimum
            const double size = 1e-2 * (1 + trial % 4);
            Eigen::MatrixXd dB = Eigen::MatrixXd::NullaryExpr(fit.B.rows(), rank, [&] { return normal(engine); });
            Eigen::MatrixXd dA = Eigen::MatrixXd::NullaryExpr(rank, fit.A.cols(), [&] { return normal(engine); });
            const Eigen::MatrixXd B = fit.B.cast<double>() + size * dB * fit.B.cast<double>().norm() / dB.norm();
            const Eigen::MatrixXd A = fit.A.cast<double>() + size * dA * fit.A.cast<double>().norm() / dA.norm();
            QVERIFY(objectiveOf(B * A) > optimum * (1 + kMargin));
        }
    }

    void identityGivesThePlainLoftqStep()
    {
        const MatrixRM W = gaussianMatrix(64, 48, 3);
        const MatrixRM R = W - MatrixRM((W.array() * 2.0f).round() / 2.0f);
        std::string problem;
        const auto objective = OutputObjective::create(Eigen::MatrixXd::Identity(48, 48), 0.0, problem);
        QVERIFY(objective);
        const double norm2 = R.cast<double>().squaredNorm();
        const auto output = objective->fit(R, norm2, 6, exactSvd(), nullptr);
        const auto plain = fitLowRank(R, norm2, 6, exactSvd(), nullptr);
        const MatrixRM difference = output.B * output.A - plain.B * plain.A;
        QVERIFY(difference.norm() <= 1e-5 * MatrixRM(plain.B * plain.A).norm());
        QVERIFY(std::fabs(*output.outputSquaredError - plain.weightSquaredError) <= 1e-5 * plain.weightSquaredError);
        QVERIFY(std::fabs(output.weightSquaredError - plain.weightSquaredError) <= 1e-5 * plain.weightSquaredError);
    }

    void outputErrorNeedsNoActivations()
    {
        // tr(E H E^T) through L equals ||X E^T||^2 computed from the activations themselves.
        const MatrixRM X = activations(300, 40, 5);
        const MatrixRM E = gaussianMatrix(70, 40, 6);
        std::string problem;
        const auto objective = OutputObjective::create(gram(X), kDefaultDamping, problem);
        QVERIFY(objective);
        const double direct = (X.cast<double>() * E.cast<double>().transpose()).squaredNorm();
        QVERIFY(std::fabs(objective->squaredOutput(E, 3) - direct) <= kFloatTolerance * direct);
        const MatrixRM zero = MatrixRM::Zero(70, 40);
        QVERIFY(std::fabs(objective->squaredOutputOf(E, zero, {}, {}, 2) - direct) <= kFloatTolerance * direct);
    }

    void implicitFitEqualsTheExplicitOne()
    {
        // 300 x 600: the factor's panels and R's row chunks both span several blocks.
        const auto p = makeProblem(300, 600, 900, kDefaultDamping, 41);
        const MatrixRM R = p.W - p.Q;
        SvdOptions fast;
        fast.minPowerIterations = fast.maxPowerIterations = 1; // one path for both
        fast.seed = 5;
        fast.threads = 2;
        const double normR = R.cast<double>().squaredNorm();
        const auto implicit = p.objective->fit(R, normR, 16, fast, nullptr);

        Eigen::MatrixXd damped = p.H;
        damped.diagonal().array() += p.lambda;
        const Eigen::MatrixXd L = damped.llt().matrixL();
        const MatrixRM M = (R.cast<double>() * L).cast<float>();
        const auto explicitFit = fitLowRank(M, M.cast<double>().squaredNorm(), 16, fast, nullptr);
        const Eigen::MatrixXd explicitBA = explicitFit.B.cast<double>() * explicitFit.A.cast<double>() *
                                           L.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(600, 600));
        const Eigen::MatrixXd implicitBA = (implicit.B * implicit.A).cast<double>();
        const double difference = (implicitBA - explicitBA).norm() / explicitBA.norm();
        QVERIFY2(difference <= kImplicitTolerance, qPrintable(QString("B A differs by %1").arg(difference)));
        QCOMPARE(implicit.products, explicitFit.products);
        const double explicitOutput = explicitFit.weightSquaredError - p.lambda * (R.cast<double>() - explicitBA).squaredNorm();
        QVERIFY(std::fabs(*implicit.outputSquaredError - explicitOutput) <= kImplicitTolerance * explicitOutput);
    }

    void choleskyIsEigensAtAnyThreadCount()
    {
        // 700 wide: two full blocks of 256 and a partial one.
        Eigen::MatrixXd H = gram(activations(900, 700, 43));
        H.diagonal().array() += 1e-2 * H.diagonal().mean();
        const Eigen::MatrixXd reference = H.llt().matrixL();
        Eigen::MatrixXd one = H, three = H;
        QVERIFY(choleskyInPlace(one, 1));
        QVERIFY(choleskyInPlace(three, 3));
        const Eigen::MatrixXd L = one.triangularView<Eigen::Lower>();
        QVERIFY((L - reference).norm() <= kCholeskyTolerance * reference.norm());
        QVERIFY(Eigen::MatrixXd(three.triangularView<Eigen::Lower>()) == L);
        Eigen::MatrixXd indefinite = H;
        indefinite(650, 650) = -1;
        QVERIFY(!choleskyInPlace(indefinite, 2));
    }

    void adapterChangeNeedsNoPass()
    {
        // The exported adapter's output error from the measured one's, against a full pass.
        const auto p = makeProblem(300, 200, 400, kDefaultDamping, 51);
        const MatrixRM R = p.W - p.Q;
        const auto fit = p.objective->fit(R, R.cast<double>().squaredNorm(), 8, exactSvd(), nullptr);
        const double measured = p.objective->squaredOutputOf(p.W, p.Q, fit.B, fit.A, 2);
        // Rounded as bf16 would (about 4e-3), and an unrelated adapter of another rank.
        const Eigen::MatrixXf roundedB = fit.B * 1.004f, roundedA = fit.A * 0.997f;
        const Eigen::MatrixXf otherB = gaussianMatrix(300, 3, 52) * 0.1f, otherA = gaussianMatrix(3, 200, 53) * 0.1f;
        for (const auto& [B2, A2] : {std::pair{roundedB, roundedA}, std::pair{otherB, otherA}}) {
            const double direct = p.objective->squaredOutputOf(p.W, p.Q, B2, A2, 2);
            const double updated = p.objective->squaredOutputWithAdapter(p.W, p.Q, fit.B, fit.A, measured, B2, A2, 3);
            QVERIFY2(std::fabs(updated - direct) <= kFloatTolerance * direct,
                     qPrintable(QString("updated %1, direct %2").arg(updated).arg(direct)));
        }
    }

    void unusableStatisticsAreRefused()
    {
        std::string problem;
        Eigen::MatrixXd H = gram(activations(100, 16, 9));
        H(3, 2) = std::numeric_limits<double>::quiet_NaN();
        QVERIFY(!OutputObjective::create(H, kDefaultDamping, problem));
        QVERIFY(problem.find("non-finite") != std::string::npos);
        QVERIFY(!OutputObjective::create(Eigen::MatrixXd::Zero(16, 16), kDefaultDamping, problem));
        QVERIFY(problem.find("zero") != std::string::npos);
        // Four tokens for a 32-wide input: H has rank 4, and without damping it has no Cholesky factor.
        const Eigen::MatrixXd singular = gram(activations(4, 32, 10));
        QVERIFY(!OutputObjective::create(singular, 0.0, problem));
        QVERIFY(problem.find("damping") != std::string::npos);
        QVERIFY(OutputObjective::create(singular, kDefaultDamping, problem));
    }

    void outputAwareLoftqNeverEndsWorseThanStepOne_data()
    {
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("bits");
        for (int bits : {2, 3, 4, 8})
            QTest::newRow(qPrintable(QString("nf%1").arg(bits))) << "nf" << bits;
        for (int bits : {2, 3, 4, 8})
            QTest::newRow(qPrintable(QString("uniform%1").arg(bits))) << "uniform" << bits;
    }
    void outputAwareLoftqNeverEndsWorseThanStepOne()
    {
        QFETCH(QString, method);
        QFETCH(int, bits);
        const MatrixRM W = gaussianMatrix(128, 96, 21, 0.05f);
        std::string problem;
        const auto objective = OutputObjective::create(gram(activations(60, 96, 22)), kDefaultDamping, problem);
        QVERIFY(objective);
        LoftqSettings s;
        s.quantizer = {*parseQuantMethod(method.toStdString()), bits, 64};
        s.rank = 8;
        s.steps = 5;
        s.svd.threads = 2;
        s.output = objective.get();
        const auto r = runLoftq(W, s);
        QCOMPARE(int(r.steps.size()), 5);
        const double best = *r.steps[std::size_t(r.bestStep - 1)].outputRelError;
        for (const auto& step : r.steps)
            QVERIFY(best <= *step.outputRelError);
        // The adapter of step 1 already beats Q alone, and the result's error is its best step's.
        QVERIFY(*r.steps[0].outputRelError < *r.qloraOutputRelError);
        const double measured = std::sqrt(objective->squaredOutputOf(W, r.Q, r.B, r.A, 1) / *r.outputSquaredNorm);
        QVERIFY(std::fabs(measured - best) <= kFloatTolerance * best + 1e-7);

        // Weight-only LoftQ on the same matrix feels worse in the output.
        s.output = nullptr;
        const auto weightOnly = runLoftq(W, s);
        const double weightOnlyOutput =
            std::sqrt(objective->squaredOutputOf(W, weightOnly.Q, weightOnly.B, weightOnly.A, 1) / *r.outputSquaredNorm);
        QVERIFY2(best < weightOnlyOutput, qPrintable(QString("output-aware %1, weight-only %2").arg(best).arg(weightOnlyOutput)));
    }

    void outputAwareLoftqIsTheSameAtAnyThreadCount()
    {
        // Several row chunks, the fast SVD, and a 2-bit quantizer.
        const MatrixRM W = gaussianMatrix(320, 256, 31, 0.05f);
        std::string problem;
        const auto objective = OutputObjective::create(gram(activations(200, 256, 32)), kDefaultDamping, problem);
        QVERIFY(objective);
        LoftqSettings s;
        s.quantizer = {QuantMethod::NormalFloat, 2, 64};
        s.rank = 16;
        s.steps = 3;
        s.output = objective.get();
        s.svd.threads = 1;
        const auto one = runLoftq(W, s);
        s.svd.threads = 3;
        const auto three = runLoftq(W, s);
        QCOMPARE(one.bestStep, three.bestStep);
        for (std::size_t t = 0; t < one.steps.size(); ++t) {
            QCOMPARE(*one.steps[t].outputRelError, *three.steps[t].outputRelError);
            QCOMPARE(one.steps[t].relError, three.steps[t].relError);
        }
        QVERIFY(one.B == three.B);
        QVERIFY(one.A == three.A);
        QVERIFY(one.Q == three.Q);
    }
};

QTEST_GUILESS_MAIN(TestOutputObjective)
#include "test_output_objective.moc"
