#pragma once
// Shared by the benchmarks: what machine this is, timing, and synthetic weights.
#include "loftq/checkpoint.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace loftq::bench {

// CPU model, core count and memory, one line.
std::string machineDescription();
void printMachine();

// A matrix shape, rows x cols; "1024x1024,2048x4096" from a --sizes option.
struct Size {
    Eigen::Index rows, cols;
};
std::vector<Size> parseSizes(const std::string& text);

// The LoftQ settings the per-matrix benchmarks share, with their defaults set by each benchmark.
struct MatrixRun {
    std::vector<Size> sizes;
    int rank, bits, steps, threads;
};
// Reads --sizes, --rank, --bits, --steps or --threads at argv[i] (and its value, advancing i);
// false for any other option, which the benchmark reads itself.
bool parseMatrixRunOption(int argc, char** argv, int& i, MatrixRun& run);

double secondsSince(std::chrono::steady_clock::time_point start);

// Gaussian weights with a decaying low-rank part, like trained layers: W = G / sqrt(in) + L.
MatrixRM syntheticWeight(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, float structure = 0.5f);
// Pure Gaussian: a flat residual spectrum, the hardest case for the randomized SVD.
MatrixRM gaussianWeight(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed);

} // namespace loftq::bench
