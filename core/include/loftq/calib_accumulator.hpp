#pragma once
// Collecting H = X^T X while the original model runs layer-major (docs/calibration.md). The forward
// pass reports each target's input through ActivationObserver; the accumulator hands each H to the
// writer as soon as every token has passed its input (or its block), so memory holds one H when the
// forward pass declares each input finished, one block's H's at most otherwise.
#include "loftq/calib_stats.hpp"

#include <Eigen/Core>
#include <map>
#include <string>
#include <vector>

namespace loftq {

// What a forward pass tells an observer of the inputs of target linears.
class ActivationObserver {
public:
    virtual ~ActivationObserver() = default;
    // X: rows tokens x cols features, row-major, the input of the target module `modulePath`
    // for those tokens. Call it for every target (siblings that share an input may all call it:
    // only one of them is counted), for any split of the tokens into calls.
    virtual void observeInput(const std::string& modulePath, const float* X, Eigen::Index rows, Eigen::Index cols) = 0;
    // Every calibration token has passed the input of `modulePath` (any of the siblings sharing it).
    virtual void inputFinished(const std::string& modulePath) = 0;
    // Every calibration token has passed the block `place`: its statistics are complete.
    virtual void blockFinished(const TensorPlace& place) = 0;
};

class HessianAccumulator : public ActivationObserver {
public:
    // `targets`: the checkpoint's targets (selectTargets); `writer` receives each finished input.
    HessianAccumulator(const std::vector<LayerDescriptor>& targets, CalibrationWriter& writer, int threads);

    void observeInput(const std::string& modulePath, const float* X, Eigen::Index rows, Eigen::Index cols) override;
    void inputFinished(const std::string& modulePath) override;
    void blockFinished(const TensorPlace& place) override;
    // Inputs outside any block (a target picked by --target elsewhere) are written here. Throws
    // Error(Runtime) if an input was never observed: the forward pass missed a target.
    void finish();
    // Float64 bytes of H held now (for the memory bound's tests and the progress line).
    std::size_t heldBytes() const;
    // The most heldBytes() has been (the memory bound's tests and the calibrate summary).
    std::size_t peakHeldBytes() const { return peakHeldBytes_; }

private:
    struct Input {
        CalibrationInput info;
        std::string owner;   // the consumer whose calls are counted
        TensorPlace place;
        Eigen::MatrixXd H;   // lower triangle accumulated; allocated on the first call
        bool written = false;
    };
    void write(Input& input);

    std::vector<Input> inputs_;
    std::map<std::string, std::size_t> byConsumer_; // module path -> index into inputs_
    CalibrationWriter& writer_;
    int threads_;
    std::size_t peakHeldBytes_ = 0;
};

} // namespace loftq
