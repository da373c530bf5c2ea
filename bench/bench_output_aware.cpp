// Output-aware LoftQ (docs/calibration.md) against weight-only LoftQ on the same matrix, in the
// same run: the ratio of their times, and what the output-aware run's extra time is made of (the
// Cholesky factor, and one pass of ||E L||^2, the product each step's output error needs).
// usage: bench_output_aware [--sizes 4096x4096,4096x11008] [--rank 16] [--bits 2] [--steps 5]
//                           [--threads 2] [--tokens 512]      (sizes are out x in)
#include "bench_support.hpp"
#include "loftq/calib_objective.hpp"
#include "loftq/loftq_matrix.hpp"

#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace loftq;

namespace {

// H = X^T X of Gaussian activations with a few loud channels, as LLM inputs have. Its values do
// not change the cost; its rank (tokens) does not either, the damping makes it full rank.
Eigen::MatrixXd hessian(Eigen::Index in, Eigen::Index tokens)
{
    std::mt19937_64 engine(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Eigen::MatrixXf X(tokens, in);
    for (Eigen::Index c = 0; c < in; ++c)
        for (Eigen::Index t = 0; t < tokens; ++t)
            X(t, c) = normal(engine) * (c % 97 == 0 ? 20.0f : 1.0f);
    Eigen::MatrixXf H(in, in);
    H.noalias() = X.transpose() * X;
    return H.cast<double>();
}

} // namespace

int main(int argc, char** argv)
{
    bench::MatrixRun run{{{4096, 4096}, {4096, 11008}}, 16, 2, 5, 2};
    int tokens = 512;
    for (int i = 1; i < argc; ++i) {
        if (bench::parseMatrixRunOption(argc, argv, i, run))
            continue;
        if (std::string(argv[i]) == "--tokens" && i + 1 < argc) {
            tokens = std::stoi(argv[++i]);
        } else {
            std::fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    const auto& [sizes, rank, bits, steps, threads] = run;
    bench::printMachine();
    std::printf("inputs: nf%d, rank %d, %d steps, %d threads, H from %d tokens, default damping\n", bits, rank, steps,
                threads, tokens);
    std::printf("%-11s %9s %9s %9s %8s %9s %10s %11s %11s\n", "out x in", "weight_s", "output_s", "ratio",
                "chol_s", "pass_s", "pass_GMAC/s", "weight_err", "output_err");
    for (const auto& s : sizes) {
        const MatrixRM W = bench::syntheticWeight(s.rows, s.cols, 1);
        const Eigen::MatrixXd H = hessian(s.cols, tokens);
        auto start = std::chrono::steady_clock::now();
        std::string problem;
        const auto objective = OutputObjective::create(H, kDefaultDamping, problem, threads);
        const double choleskySeconds = bench::secondsSince(start);
        if (!objective) {
            std::fprintf(stderr, "no objective: %s\n", problem.c_str());
            return 1;
        }
        LoftqSettings settings;
        settings.quantizer = {QuantMethod::NormalFloat, bits, 64};
        settings.rank = rank;
        settings.steps = steps;
        settings.svd.threads = threads;
        start = std::chrono::steady_clock::now();
        const auto weightOnly = runLoftq(W, settings);
        const double weightSeconds = bench::secondsSince(start);
        settings.output = objective.get();
        start = std::chrono::steady_clock::now();
        const auto output = runLoftq(W, settings);
        const double outputSeconds = bench::secondsSince(start);
        // One pass of ||E L||^2 - lambda ||E||^2: out x in^2 / 2 multiply-adds.
        start = std::chrono::steady_clock::now();
        objective->squaredOutput(W, threads);
        const double passSeconds = bench::secondsSince(start);
        const double passMacs = double(s.rows) * double(s.cols) * double(s.cols) / 2;
        char name[32];
        std::snprintf(name, sizeof name, "%ldx%ld", long(s.rows), long(s.cols));
        std::printf("%-11s %9.2f %9.2f %8.2fx %8.2f %9.3f %10.1f %11.6f %11.6f\n", name, weightSeconds, outputSeconds,
                    outputSeconds / weightSeconds, choleskySeconds, passSeconds, passMacs / passSeconds / 1e9,
                    weightOnly.steps[std::size_t(weightOnly.bestStep - 1)].relError,
                    *output.steps[std::size_t(output.bestStep - 1)].outputRelError);
        std::fflush(stdout);
    }
    return 0;
}
