#pragma once
// Export writers receive every source tensor once, in checkpoint order, with the LoftQ result for
// targets. They stage files as AtomicFiles; the runner commits all writers only when the whole run
// succeeded, so a failed or cancelled run leaves no file at a final path.
#include "loftq/checkpoint.hpp"
#include "loftq/export_format.hpp"
#include "loftq/loftq_matrix.hpp"
#include "loftq/plan.hpp"
#include "loftq/report.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

// A quantized layer as exporters see it: the result plus the adapter factors already scaled
// and rounded to the adapter dtype, and Q already rounded to the source dtype.
struct QuantizedLayer {
    const LayerDescriptor* layer = nullptr;
    const LayerPlan* plan = nullptr;
    const LoftqResult* result = nullptr;
    const MatrixRM* exportedQ = nullptr;      // out x in, values representable in the source dtype
    const Eigen::MatrixXf* exportedA = nullptr; // r x in, scaled, representable in adapter dtype
    const Eigen::MatrixXf* exportedB = nullptr; // out x r
    double alpha = 0;
};

class ExportWriter {
public:
    virtual ~ExportWriter() = default;
    virtual std::string formatName() const = 0;
    // Before the first tensor: the targets and their plans, which the format's whyUnsuitable
    // (export_format.hpp) has accepted.
    virtual void begin(const Checkpoint& source, const Plan& plan,
                       const std::vector<LayerDescriptor>& targets) = 0;
    // After begin(): the files this export will write, relative to the output folder.
    virtual std::vector<std::string> plannedFiles() const = 0;
    // Every source tensor, in Checkpoint::tensors() order; `quantized` is null for tensors copied
    // through unchanged (non-targets and kept targets).
    virtual void consume(const CheckpointTensor& tensor, const QuantizedLayer* quantized) = 0;
    // All tensors seen: write the remaining files (still staged).
    virtual void finish(const RunReport& report) = 0;
    // Move every staged file into place.
    virtual void commit() = 0;
};

} // namespace loftq
