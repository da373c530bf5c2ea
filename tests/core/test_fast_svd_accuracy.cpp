// Issue 3's accuracy bar for the randomized SVD, measured on whole LoftQ runs (2 bits, rank 16,
// 5 steps): on every target of pico-llama and on Gaussian matrices (a flat residual spectrum, the
// hardest case) the best-step error of --svd fast is within kMaxExcess of --svd exact, and the
// mean within kMeanExcess. Large matrices take a fixed schedule (one power iteration per step,
// loftq_matrix.cpp): one 2048 x 2048 Gaussian matrix at the rank 64 checks it.
#include "loftq/loftq_matrix.hpp"
#include "loftq/targets.hpp"
#include "test_paths.hpp"

#include <QtTest>
#include <random>

using namespace loftq;

namespace {

constexpr double kMaxExcess = 0.002;
constexpr double kMeanExcess = 0.001;

double bestError(const MatrixRM& W, SvdMethod method, std::uint64_t seed, int rank)
{
    LoftqSettings s;
    s.quantizer = {QuantMethod::NormalFloat, 2, 64};
    s.rank = rank;
    s.steps = 5;
    s.svd.method = method;
    s.svd.seed = seed;
    s.svd.threads = 2;
    const auto r = runLoftq(W, s);
    return r.steps[r.bestStep - 1].relError;
}

void compare(const std::vector<MatrixRM>& matrices, const char* what, int rank = 16, double meanExcess = kMeanExcess)
{
    double sum = 0, worst = 0;
    for (std::size_t i = 0; i < matrices.size(); ++i) {
        const double ratio =
            bestError(matrices[i], SvdMethod::Fast, i, rank) / bestError(matrices[i], SvdMethod::Exact, i, rank);
        sum += ratio;
        worst = std::max(worst, ratio);
    }
    const double mean = sum / double(matrices.size());
    qInfo("%s: %zu matrices, fast/exact best error: mean %.5f, max %.5f", what, matrices.size(), mean, worst);
    QVERIFY2(worst <= 1 + kMaxExcess, what);
    QVERIFY2(mean <= 1 + meanExcess, what);
}

MatrixRM gaussian(Eigen::Index rows, Eigen::Index cols)
{
    std::mt19937_64 rng(17 + rows * 7 + cols);
    std::normal_distribution<float> normal(0, 0.02f);
    MatrixRM W(rows, cols);
    for (Eigen::Index i = 0; i < W.size(); ++i)
        W.data()[i] = normal(rng);
    return W;
}

} // namespace

class TestFastSvdAccuracy : public QObject {
    Q_OBJECT
private slots:
    void picoLlamaTargets()
    {
        LOFTQ_REQUIRE_SHARED(test::picoLlama());
        const auto cp = Checkpoint::open(test::picoLlama());
        std::vector<MatrixRM> matrices;
        for (const auto& t : selectTargets(cp))
            matrices.push_back(cp.readMatrix(*cp.find(t.tensorName)));
        QCOMPARE(int(matrices.size()), 42);
        compare(matrices, "pico-llama");
    }

    void gaussianMatrices()
    {
        std::vector<MatrixRM> matrices;
        for (auto [rows, cols] : {std::pair{256, 256}, {512, 512}, {512, 1024}, {1024, 512}, {768, 768}, {1024, 1024}})
            matrices.push_back(gaussian(rows, cols));
        compare(matrices, "Gaussian");
    }

    // One matrix: its own ratio is held to the per-matrix bar.
    void largeGaussianMatrix() { compare({gaussian(2048, 2048)}, "Gaussian 2048 x 2048, rank 64", 64, kMaxExcess); }
};

QTEST_GUILESS_MAIN(TestFastSvdAccuracy)
#include "test_fast_svd_accuracy.moc"
