// Quantizer throughput per core: the vectorized midpoint search against a per-element table scan
// (the obvious implementation) in the same run. Prints elements per second and the speedup.
// usage: bench_quantizer [--elements N]
#include "bench_support.hpp"
#include "loftq/quantizer.hpp"

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

using namespace loftq;

namespace {

// Baseline: scan the whole table for the nearest entry of every element.
void tableScanQuantize(const QuantizerSpec& spec, const std::vector<float>& x, std::vector<std::uint8_t>& codes)
{
    const auto& table = codebook(spec.method, spec.bits);
    for (std::size_t b = 0; b < x.size(); b += std::size_t(spec.blockSize)) {
        float scale = 0;
        for (int j = 0; j < spec.blockSize; ++j)
            scale = std::max(scale, std::fabs(x[b + j]));
        for (int j = 0; j < spec.blockSize; ++j) {
            const float v = x[b + j] / scale;
            int best = 0;
            for (int i = 1; i < int(table.size()); ++i)
                if (std::fabs(v - table[i]) < std::fabs(v - table[best]))
                    best = i;
            codes[b + j] = std::uint8_t(best);
        }
    }
}

template <typename F>
double elementsPerSecond(std::size_t n, F&& run)
{
    run(); // warm up
    const auto start = std::chrono::steady_clock::now();
    int reps = 0;
    do {
        run();
        ++reps;
    } while (bench::secondsSince(start) < 0.4);
    return double(n) * reps / bench::secondsSince(start);
}

} // namespace

int main(int argc, char** argv)
{
    std::size_t n = 1 << 24;
    for (int i = 1; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--elements")
            n = std::stoul(argv[++i]) / 64 * 64;
    bench::printMachine();
    std::printf("inputs: %zu Gaussian float32 elements, block 64, 1 thread\n", n);
    std::mt19937_64 rng(1);
    std::normal_distribution<float> normal(0, 1);
    std::vector<float> x(n), y(n);
    for (auto& v : x)
        v = normal(rng);
    std::printf("%-9s %14s %14s %9s %12s\n", "quantizer", "Melem/s", "scan_Melem/s", "speedup", "same_codes");
    for (const auto& traits : allQuantizers())
        for (int bits : traits.supportedBits) {
            const QuantizerSpec spec{traits.method, bits, 64};
            QuantizedBlocks q;
            const double fast = elementsPerSecond(n, [&] { quantizeBlockwise(spec, x, q, y, 1); });
            double scan = 0;
            std::string same = "-";
            if (traits.method == QuantMethod::NormalFloat) { // the scan baseline uses the absmax scale
                std::vector<std::uint8_t> codes(n);
                scan = elementsPerSecond(n, [&] { tableScanQuantize(spec, x, codes); });
                std::size_t differ = 0;
                for (std::size_t i = 0; i < n; ++i)
                    differ += codes[i] != q.codes[i];
                same = differ == 0 ? "all" : std::to_string(differ) + " differ";
            }
            char name[16];
            std::snprintf(name, sizeof name, "%s%d", std::string(traits.name).c_str(), bits);
            if (scan > 0)
                std::printf("%-9s %14.1f %14.1f %8.1fx %12s\n", name, fast / 1e6, scan / 1e6, fast / scan, same.c_str());
            else
                std::printf("%-9s %14.1f %14s %9s %12s\n", name, fast / 1e6, "-", "-", same.c_str());
        }
    return 0;
}
