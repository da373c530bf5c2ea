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

double secondsSince(std::chrono::steady_clock::time_point start);

// Gaussian weights with a decaying low-rank part, like trained layers: W = G / sqrt(in) + L.
MatrixRM syntheticWeight(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed, float structure = 0.5f);
// Pure Gaussian: a flat residual spectrum, the hardest case for the randomized SVD.
MatrixRM gaussianWeight(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed);

} // namespace loftq::bench
