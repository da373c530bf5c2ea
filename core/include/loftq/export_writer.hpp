#pragma once
// Export writers receive every source tensor once, in checkpoint order, with the LoftQ result for
// targets. They stage files as AtomicFiles; the runner commits all writers only when the whole run
// succeeded, so a failed or cancelled run leaves no file at a final path.
#include "loftq/checkpoint.hpp"
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
    // Before the first tensor: the targets and their plans. Throws Error(BadInput) when the format
    // cannot hold the plan (bnb-nf4: a layer that is not nf4 with block 64). Creates no file, so a
    // front end may call it on a writer made with an empty folder to ask whether a plan suits a format.
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

enum class ExportFormat {
    HfPeft, // Q dequantized in the source dtype + loftq_init/ (docs/formats.md), the default
    BnbNf4, // bitsandbytes NF4 pre-quantized + loftq_init/; every quantized layer nf4, block 64
    Packed, // one model.loftq: bit-packed codes and scales (docs/packed-format.md)
};
std::string_view exportFormatName(ExportFormat format); // "hf-peft" | "bnb-nf4" | "packed"
std::optional<ExportFormat> parseExportFormat(std::string_view name);
const std::vector<ExportFormat>& allExportFormats();

// Where a format's files go: `outputDir` itself when it is the only format, else
// `outputDir/<format name>/`, so that no folder mixes files of two formats.
std::string exportFolder(const std::string& outputDir, const std::vector<ExportFormat>& formats, ExportFormat format);

std::unique_ptr<ExportWriter> makeExportWriter(ExportFormat format, const std::string& outputDir);

struct ExportSizeEstimate; // size_estimate.hpp
// What an export in `format` will weigh, before running it: hf-peft holds every tensor at its
// source size, bnb-nf4 and packed the estimate's low-bit backbone; all three the adapter. Configs,
// headers and the few bytes of tables are not counted.
std::uint64_t estimatedExportBytes(ExportFormat format, const ExportSizeEstimate& estimate);

} // namespace loftq
