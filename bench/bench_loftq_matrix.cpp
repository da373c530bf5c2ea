// LoftQ on one matrix, fast (randomized, warm-started) against exact SVD in the same run:
// time ratio and best-step error ratio per size, and the fast path's GEMM share of this machine's
// roofline. usage: bench_loftq_matrix [--sizes 1024x1024,2048x2048] [--rank 64] [--bits 2]
//                  [--steps 5] [--threads 2] [--no-exact] [--gaussian] [--tolerance T] [--oversample P]
#include "bench_support.hpp"
#include "loftq/loftq_matrix.hpp"
#include "linalg/parallel_gemm.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace loftq;

namespace {

// Floating-point work the fast path did: each product with the residual (m n k multiply-adds, k
// the sketch's columns) and the low-rank update B A of the next step's fused pass (m n r), 2
// flops each.
double fastFlops(const bench::Size& s, const LoftqResult& r, int rank)
{
    const double mn = double(s.rows) * double(s.cols);
    double total = 0;
    for (const auto& step : r.steps)
        total += 2 * mn * step.sketchColumns * step.svdProducts + (step.step > 1 ? 2 * mn * rank : 0);
    return total;
}

double gemmRoofline(const bench::Size& s, int k, int threads)
{
    const MatrixRM A = MatrixRM::Random(s.rows, s.cols);
    const Eigen::MatrixXf X = Eigen::MatrixXf::Random(s.cols, k);
    Eigen::MatrixXf Y;
    multiply(A, X, Y, threads); // warm up
    const auto start = std::chrono::steady_clock::now();
    int reps = 0;
    do {
        multiply(A, X, Y, threads);
        ++reps;
    } while (bench::secondsSince(start) < 0.5);
    return 2.0 * double(s.rows) * double(s.cols) * k * reps / bench::secondsSince(start) / 1e9;
}

} // namespace

int main(int argc, char** argv)
{
    bench::MatrixRun run{{{1024, 1024}, {2048, 2048}}, 64, 2, 5, 2};
    bool exact = true, gaussian = false;
    const SvdOptions defaults;
    double tolerance = defaults.tolerance;
    int oversample = defaults.oversample;
    for (int i = 1; i < argc; ++i) {
        if (bench::parseMatrixRunOption(argc, argv, i, run))
            continue;
        const std::string a = argv[i];
        auto next = [&] { return std::string(i + 1 < argc ? argv[++i] : ""); };
        if (a == "--no-exact")
            exact = false;
        else if (a == "--gaussian")
            gaussian = true;
        else if (a == "--tolerance")
            tolerance = std::stod(next());
        else if (a == "--oversample")
            oversample = std::stoi(next());
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    const auto& [sizes, rank, bits, steps, threads] = run;
    bench::printMachine();
    std::printf("inputs: nf%d, rank %d, %d steps, %d threads, %s weights, tolerance %g, oversample %d\n", bits, rank,
                steps, threads, gaussian ? "Gaussian" : "Gaussian + decaying low-rank", tolerance, oversample);
    std::printf("%-11s %9s %9s %8s %11s %11s %9s %9s %7s %9s\n", "size", "fast_s", "exact_s", "speedup", "fast_err",
                "exact_err", "err_ratio", "gemm_GF/s", "roof%", "products");
    for (const auto& s : sizes) {
        const MatrixRM W = gaussian ? bench::gaussianWeight(s.rows, s.cols, 1) : bench::syntheticWeight(s.rows, s.cols, 1);
        LoftqSettings settings;
        settings.quantizer = {QuantMethod::NormalFloat, bits, 64};
        settings.rank = rank;
        settings.steps = steps;
        settings.svd.threads = threads;
        settings.svd.tolerance = tolerance;
        settings.svd.oversample = oversample;
        auto start = std::chrono::steady_clock::now();
        const auto fast = runLoftq(W, settings);
        const double fastSeconds = bench::secondsSince(start);
        const double fastErr = fast.steps[fast.bestStep - 1].relError;
        double exactSeconds = 0, exactErr = 0;
        if (exact) {
            settings.svd.method = SvdMethod::Exact;
            start = std::chrono::steady_clock::now();
            const auto ex = runLoftq(W, settings);
            exactSeconds = bench::secondsSince(start);
            exactErr = ex.steps[ex.bestStep - 1].relError;
        }
        // The roofline at the sketch width the fast path used (the last step's).
        const double roof = gemmRoofline(s, fast.steps.back().sketchColumns, threads);
        const double achieved = fastFlops(s, fast, rank) / fastSeconds / 1e9;
        int products = 0;
        for (const auto& step : fast.steps)
            products += step.svdProducts;
        char name[32];
        std::snprintf(name, sizeof name, "%ldx%ld", long(s.rows), long(s.cols));
        if (exact)
            std::printf("%-11s %9.3f %9.3f %7.1fx %11.6f %11.6f %9.5f %9.1f %6.1f%% %9d\n", name, fastSeconds,
                        exactSeconds, exactSeconds / fastSeconds, fastErr, exactErr, fastErr / exactErr, roof,
                        100 * achieved / roof, products);
        else
            std::printf("%-11s %9.3f %9s %8s %11.6f %11s %9s %9.1f %6.1f%% %9d\n", name, fastSeconds, "-", "-", fastErr,
                        "-", "-", roof, 100 * achieved / roof, products);
        std::fflush(stdout);
    }
    return 0;
}
