// Forward-pass speed of evaluation: one 7B-shaped block (hidden 4096, 32 heads, MLP 11008) over
// 2048 tokens in windows of 512, random weights, against the GEMM roofline measured in the same
// run (the project's fixed-chunk product of a 4096 x 4096 weight with the 4096 x tokens states,
// the product that dominates the block).
// usage: bench_eval [--threads 2] [--tokens 2048] [--context 512] [--hidden 4096] [--heads 32]
//                   [--intermediate 11008] [--reps 2]
#include "bench_support.hpp"
#include "linalg/parallel_gemm.hpp"
#include "model/forward.hpp"

#include <cstdio>
#include <string>

using namespace loftq;

namespace {

model::Linear randomLinear(Eigen::Index out, Eigen::Index in, std::uint64_t seed)
{
    return {bench::gaussianWeight(out, in, seed), Eigen::VectorXf(), std::nullopt};
}

} // namespace

int main(int argc, char** argv)
{
    int threads = 2, tokens = 2048, context = 512, hidden = 4096, heads = 32, intermediate = 11008, reps = 2;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        const int v = std::stoi(argv[i + 1]);
        (a == "--threads" ? threads : a == "--tokens" ? tokens : a == "--context" ? context : a == "--hidden" ? hidden
         : a == "--heads" ? heads : a == "--intermediate" ? intermediate : reps) = v;
    }
    bench::printMachine();
    std::printf("inputs: block hidden %d, %d heads, MLP %d; %d tokens in windows of %d; %d thread(s)\n", hidden, heads,
                intermediate, tokens, context, threads);

    model::ModelArchitecture a;
    a.family = &model::modelFamilies().front(); // llama
    a.hidden = hidden;
    a.heads = a.kvHeads = heads;
    a.headDim = hidden / heads;
    a.intermediate = intermediate;
    a.eps = 1e-5;
    a.rotaryDim = a.headDim;
    a.invFreq = model::ropeInverseFrequencies({{"rope_type", "default"}, {"rope_theta", 10000.0}}, a.rotaryDim, "bench");
    model::BlockWeights w;
    w.norm1.weight = w.norm2.weight = Eigen::VectorXf::Ones(hidden);
    for (std::uint64_t s = 1; s <= 3; ++s)
        w.attention.push_back(randomLinear(hidden, hidden, s));
    w.output = randomLinear(hidden, hidden, 4);
    w.mlpIn.push_back(randomLinear(intermediate, hidden, 5));
    w.mlpIn.push_back(randomLinear(intermediate, hidden, 6));
    w.down = randomLinear(hidden, intermediate, 7);
    const Eigen::MatrixXf input = Eigen::MatrixXf::Random(hidden, tokens);

    // Roofline: the block's dominant product, same threads, same shapes.
    Eigen::MatrixXf Y;
    multiply(w.output.weight, input, Y, threads);
    auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r)
        multiply(w.output.weight, input, Y, threads);
    const double gemmSeconds = bench::secondsSince(start) / reps;
    const double gemmGflops = 2.0 * hidden * hidden * tokens / gemmSeconds / 1e9;

    const double linearFlops = 2.0 * tokens * (4.0 * hidden * hidden + 3.0 * hidden * intermediate);
    const double attentionFlops = 4.0 * double(context) * context * hidden * (tokens / context); // QK^T and PV
    Eigen::MatrixXf states = input;
    model::BlockBuffers buffers; // kept from block to block, as evaluation keeps them
    model::runBlock(w, a, context, states, buffers, threads); // warm-up
    start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
        states = input;
        model::runBlock(w, a, context, states, buffers, threads);
    }
    const double blockSeconds = bench::secondsSince(start) / reps;
    const double blockGflops = (linearFlops + attentionFlops) / blockSeconds / 1e9;
    std::printf("GEMM roofline (%d x %d weight times %d x %d states): %.1f GFLOP/s (baseline)\n", hidden, hidden, hidden,
                tokens, gemmGflops);
    std::printf("block forward: %.3f s, %.0f tokens/s, %.1f GFLOP/s (%.1f GFLOP: linear %.1f, attention %.1f)\n",
                blockSeconds, tokens / blockSeconds, blockGflops, (linearFlops + attentionFlops) / 1e9, linearFlops / 1e9,
                attentionFlops / 1e9);
    std::printf("block vs roofline: %.2f (target >= 0.60)\n", blockGflops / gemmGflops);
    std::printf("7B-shaped model (32 blocks), this machine: %.0f s per 2 models x %d tokens, blocks only\n",
                2 * 32 * blockSeconds * 2048.0 / tokens, 2048);
    return 0;
}
