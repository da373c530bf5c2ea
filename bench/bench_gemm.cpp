// This machine's float32 GEMM throughput, the roofline the fast SVD path is measured against:
// Eigen single-threaded, and the project's fixed-chunk parallel product with 1 and 2 threads,
// for the tall-skinny shapes the randomized SVD uses (m x n times n x k).
// usage: bench_gemm [--size 4096] [--k 24,72]
#include "bench_support.hpp"
#include "linalg/parallel_gemm.hpp"

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

using namespace loftq;

namespace {

template <typename F>
double gflops(double flops, F&& run)
{
    run();
    const auto start = std::chrono::steady_clock::now();
    int reps = 0;
    do {
        run();
        ++reps;
    } while (bench::secondsSince(start) < 0.5);
    return flops * reps / bench::secondsSince(start) / 1e9;
}

} // namespace

int main(int argc, char** argv)
{
    Eigen::Index n = 4096;
    std::vector<int> ks{24, 72};
    for (int i = 1; i + 1 < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--size")
            n = std::stol(argv[++i]);
        else if (a == "--k") {
            ks.clear();
            std::stringstream ss(argv[++i]);
            std::string item;
            while (std::getline(ss, item, ','))
                ks.push_back(std::stoi(item));
        }
    }
    bench::printMachine();
    const MatrixRM A = MatrixRM::Random(n, n);
    const Eigen::MatrixXf square = Eigen::MatrixXf::Random(n, n);
    std::printf("inputs: %ld x %ld float32\n", long(n), long(n));
    Eigen::MatrixXf C(n, n);
    const double squareGf = gflops(2.0 * n * n * n, [&] { C.noalias() = square * square; });
    std::printf("square GEMM, Eigen, 1 thread: %.1f GFLOP/s (baseline)\n", squareGf);
    std::printf("%-6s %12s %12s %12s %14s\n", "k", "1thr_GF/s", "2thr_GF/s", "scaling", "vs_square_1thr");
    for (int k : ks) {
        const Eigen::MatrixXf X = Eigen::MatrixXf::Random(n, k);
        Eigen::MatrixXf Y;
        const double flops = 2.0 * double(n) * double(n) * k;
        const double one = gflops(flops, [&] { multiply(A, X, Y, 1); });
        const double two = gflops(flops, [&] { multiply(A, X, Y, 2); });
        std::printf("%-6d %12.1f %12.1f %11.2fx %13.2fx\n", k, one, two, two / one, two / squareGf);
    }
    return 0;
}
