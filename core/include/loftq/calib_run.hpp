#pragma once
// The output objective in a run or a budget measurement: one objective per input, built from the
// statistics when the first of its targets comes (q, k and v reuse one Cholesky factorization),
// with a per-layer fallback to the weight objective that the report names.
#include "loftq/calib_objective.hpp"
#include "loftq/calib_stats.hpp"
#include "loftq/report.hpp"

#include <memory>
#include <optional>
#include <string>

namespace loftq {

struct LayerObjective {
    std::shared_ptr<const OutputObjective> output; // null: the weight objective
    std::string fallback;                          // why there is no output objective
};

// The damping a run or measurement uses: the one asked for, else the statistics' default.
double dampingFor(const CalibrationStats& stats, std::optional<double> damping);

class OutputObjectiveSource {
public:
    // Checks the statistics against the checkpoint and the targets to quantize (Error(BadInput)).
    // `damping` empty: the statistics' default.
    OutputObjectiveSource(const CalibrationStats& stats, std::optional<double> damping, const Checkpoint& checkpoint,
                          const std::vector<LayerDescriptor>& targets);
    double damping() const { return damping_; }
    const CalibrationStats& stats() const { return stats_; }
    // Keeps the last input's objective: targets sharing an input come one after another.
    // `threads` factor a new input's H (the result does not depend on it).
    LayerObjective objectiveFor(const LayerDescriptor& layer, int threads);

private:
    const CalibrationStats& stats_;
    double damping_;
    std::string lastInput_;
    LayerObjective last_;
};

// Fills a quantized layer's output errors, measured as its weight errors are: QLoRA-init's on
// quant(W) rounded to the export dtype, the result's on the exported Q, B and A (with the PEFT
// scale alpha / r). Without an objective it notes the fallback. `settings` are the run's.
void recordOutputErrors(LayerReport& report, const LayerObjective& objective, const LoftqSettings& settings,
                        const LoftqResult& result, Eigen::Ref<const MatrixRM> W, const MatrixRM& exportedQ,
                        const Eigen::MatrixXf& exportedB, const Eigen::MatrixXf& exportedA);

} // namespace loftq
