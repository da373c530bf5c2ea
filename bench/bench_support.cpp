#include "bench_support.hpp"
#include "loftq/cpu_level.hpp"
#include "loftq/memory_reuse.hpp"

#include <cstdio>
#include <fstream>
#include <omp.h>
#include <random>
#include <sstream>
#include <thread>

namespace loftq::bench {
namespace {
// Every benchmark links this file: the engine is timed with the allocator setting the CLI and the
// workbench run it with.
[[maybe_unused]] const bool memoryKeptForReuse = (keepFreedMemoryForReuse(), true);
} // namespace

std::string machineDescription()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, model = "unknown CPU";
    while (std::getline(cpuinfo, line))
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    std::ifstream meminfo("/proc/meminfo");
    std::string memLine;
    std::getline(meminfo, memLine);
    return model + ", " + std::to_string(std::thread::hardware_concurrency()) + " hardware threads, " +
           std::to_string(omp_get_max_threads()) + " OpenMP threads, " + memLine;
}

void printMachine()
{
    std::printf("machine: %s\n%s\n", machineDescription().c_str(), cpu::levelReport().c_str());
}

std::vector<Size> parseSizes(const std::string& text)
{
    std::vector<Size> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const auto x = item.find('x');
        out.push_back({std::stol(item.substr(0, x)), std::stol(item.substr(x + 1))});
    }
    return out;
}

bool parseMatrixRunOption(int argc, char** argv, int& i, MatrixRun& run)
{
    const std::string a = argv[i];
    if (i + 1 >= argc)
        return false;
    if (a == "--sizes") {
        run.sizes = parseSizes(argv[++i]);
        return true;
    }
    const std::pair<const char*, int*> numbers[] = {
        {"--rank", &run.rank}, {"--bits", &run.bits}, {"--steps", &run.steps}, {"--threads", &run.threads}};
    for (const auto& [name, value] : numbers)
        if (a == name) {
            *value = std::stoi(argv[++i]);
            return true;
        }
    return false;
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

MatrixRM gaussianWeight(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed)
{
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0, 1);
    MatrixRM W(rows, cols);
    const float s = 1.0f / std::sqrt(float(cols));
    for (Eigen::Index i = 0; i < W.size(); ++i)
        W.data()[i] = normal(rng) * s;
    return W;
}

MatrixRM syntheticWeight(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, float structure)
{
    MatrixRM W = gaussianWeight(rows, cols, seed);
    constexpr int k = 32;
    const MatrixRM U = gaussianWeight(rows, k, seed + 1), V = gaussianWeight(k, cols, seed + 2);
    Eigen::VectorXf decay(k);
    for (int i = 0; i < k; ++i)
        decay[i] = structure * std::pow(0.85f, float(i)) * std::sqrt(float(k));
    W += U * decay.asDiagonal() * V;
    return W;
}

} // namespace loftq::bench
