// Randomized truncated SVD against the exact oracle (Eigen's BDCSVD), sign-invariantly.
#include "loftq/svd.hpp"

#include <QtTest>
#include <random>

using namespace loftq;

namespace {

MatrixRM lowRankPlusNoise(int m, int n, int rank, float noise, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0, 1);
    Eigen::MatrixXf U(m, rank), V(n, rank);
    for (int i = 0; i < U.size(); ++i)
        U.data()[i] = normal(rng);
    for (int i = 0; i < V.size(); ++i)
        V.data()[i] = normal(rng);
    Eigen::VectorXf s(rank);
    for (int i = 0; i < rank; ++i)
        s[i] = std::pow(0.8f, float(i));
    MatrixRM M = U * s.asDiagonal() * V.transpose() / std::sqrt(float(m * n));
    for (Eigen::Index i = 0; i < M.size(); ++i)
        M.data()[i] += noise * normal(rng);
    return M;
}

double approximationError(const MatrixRM& M, const TruncatedSvd& svd)
{
    return (M - MatrixRM(svd.U * svd.S.asDiagonal() * svd.V.transpose())).cast<double>().norm();
}

} // namespace

class TestTruncatedSvd : public QObject {
    Q_OBJECT
private slots:
    void randomizedMatchesExactOnDecayingSpectrum()
    {
        const auto M = lowRankPlusNoise(300, 200, 40, 1e-4f, 1);
        SvdOptions exact;
        exact.method = SvdMethod::Exact;
        SvdOptions fast;
        fast.seed = 5;
        const auto e = truncatedSvd(M, 16, exact);
        const auto f = truncatedSvd(M, 16, fast);
        for (int i = 0; i < 16; ++i)
            QVERIFY(std::fabs(e.S[i] - f.S[i]) <= 1e-3f * e.S[0]);
        // Sign-invariant: |u_e . u_f| close to 1 for well-separated leading vectors.
        for (int i = 0; i < 4; ++i)
            QVERIFY(std::fabs(e.U.col(i).dot(f.U.col(i))) > 0.999f);
        QVERIFY(approximationError(M, f) <= 1.01 * approximationError(M, e));
    }

    void flatSpectrumConvergesAcrossWarmStarts()
    {
        // Gaussian noise has no spectral gap: the hardest case for a range finder. A cold start is
        // within about 1%; each warm start (as LoftQ's alternating steps do) continues the subspace
        // iteration, and four of them bring it within 0.1% of the exact truncation.
        const auto M = lowRankPlusNoise(256, 256, 1, 1.0f, 2);
        SvdOptions exact;
        exact.method = SvdMethod::Exact;
        const double best = approximationError(M, truncatedSvd(M, 16, exact));
        SvdOptions fast;
        auto f = truncatedSvd(M, 16, fast);
        QVERIFY(approximationError(M, f) <= 1.015 * best);
        for (int k = 0; k < 4; ++k) {
            fast.seed = std::uint64_t(k + 1);
            f = truncatedSvd(M, 16, fast, {&f.V});
        }
        QVERIFY(approximationError(M, f) <= 1.001 * best);
    }

    void warmStartRecoversTheSubspace()
    {
        const auto M = lowRankPlusNoise(200, 150, 30, 1e-4f, 3);
        SvdOptions exact;
        exact.method = SvdMethod::Exact;
        const auto e = truncatedSvd(M, 8, exact);
        SvdOptions warm;
        warm.maxPowerIterations = 0; // the warm start alone
        const auto f = truncatedSvd(M, 8, warm, {&e.V});
        for (int i = 0; i < 8; ++i)
            QVERIFY(std::fabs(e.S[i] - f.S[i]) <= 1e-4f * e.S[0]);
    }

    void resultDoesNotDependOnThreadCount()
    {
        const auto M = lowRankPlusNoise(700, 600, 50, 1e-3f, 4);
        SvdOptions one, two;
        one.threads = 1;
        two.threads = 2;
        const auto a = truncatedSvd(M, 16, one);
        const auto b = truncatedSvd(M, 16, two);
        QVERIFY(a.U == b.U);
        QVERIFY(a.S == b.S);
        QVERIFY(a.V == b.V);
    }

    void seedChangesTheSketchOnly()
    {
        const auto M = lowRankPlusNoise(120, 100, 10, 1e-5f, 6);
        SvdOptions a, b;
        a.seed = 1;
        b.seed = 2;
        const auto x = truncatedSvd(M, 5, a), y = truncatedSvd(M, 5, b);
        QVERIFY(!(x.U == y.U));
        QVERIFY((x.S - y.S).cwiseAbs().maxCoeff() < 1e-5f * x.S[0]);
    }
};

QTEST_GUILESS_MAIN(TestTruncatedSvd)
#include "test_truncated_svd.moc"
