#pragma once
// Calibration statistics from synthetic activations, for tests that need a statistics file before
// a forward pass exists: Gaussian tokens with a few loud channels (as real LLM inputs have), fed
// through the same HessianAccumulator and writer the calibrate command uses.
#include "loftq/calib_accumulator.hpp"
#include "loftq/calib_objective.hpp"

#include <random>

namespace loftq::test {

inline MatrixRM syntheticActivations(Eigen::Index tokens, Eigen::Index features, std::uint64_t seed)
{
    std::mt19937_64 engine(seed);
    std::normal_distribution<float> normal;
    MatrixRM X(tokens, features);
    for (Eigen::Index i = 0; i < X.size(); ++i)
        X.data()[i] = normal(engine);
    for (Eigen::Index c = 0; c < features; ++c)
        X.col(c) *= c % 13 == 0 ? 12.0f : 1.0f + 0.25f * float(c % 4);
    return X;
}

// Statistics of `tokens` synthetic tokens for every target of `checkpoint`, block by block, each
// input's tokens reported in two calls of uneven size.
inline CalibrationManifest writeSyntheticStatistics(const Checkpoint& checkpoint, const std::string& path,
                                                    Eigen::Index tokens, int threads = 2, std::uint64_t seed = 1)
{
    const auto targets = selectTargets(checkpoint);
    CalibrationWriter writer(path);
    HessianAccumulator accumulator(targets, writer, threads);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        const MatrixRM X = syntheticActivations(tokens, t.inFeatures, seed + std::hash<std::string>{}(calibrationInputName(t)));
        const Eigen::Index first = tokens / 3;
        accumulator.observeInput(t.modulePath, X.data(), first, X.cols());
        accumulator.observeInput(t.modulePath, X.data() + first * X.cols(), tokens - first, X.cols());
        if (i + 1 == targets.size() || targets[i + 1].place.block != t.place.block)
            accumulator.blockFinished(t.place);
    }
    accumulator.finish();
    CalibrationManifest manifest;
    manifest.model = checkpoint.path();
    manifest.configSha256 = configSha256(checkpoint);
    manifest.textSha256 = "synthetic";
    manifest.tokens = std::uint64_t(tokens);
    manifest.context = int(tokens);
    manifest.dampingDefault = kDefaultDamping;
    writer.commit(manifest);
    return manifest;
}

} // namespace loftq::test
