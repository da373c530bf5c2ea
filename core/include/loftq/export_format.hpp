#pragma once
// The export formats, described by one table (as the quantizers are): what each is called and
// writes, its writer, what it will weigh, the quantizer arithmetic its files must reproduce, and
// why a plan cannot be exported in it. The CLI's help, the workbench's export dialog and the
// runner all read this table.
#include "loftq/checkpoint.hpp"
#include "loftq/plan.hpp"
#include "loftq/quantizer.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

class ExportWriter;        // export_writer.hpp
struct ExportSizeEstimate; // size_estimate.hpp

enum class ExportFormat {
    HfPeft, // Q dequantized in the source dtype + loftq_init/ (formats.md), the default
    BnbNf4, // bitsandbytes NF4 pre-quantized + loftq_init/; every quantized layer nf4, block 64
    Packed, // one model.loftq: bit-packed codes and scales (docs/packed-format.md)
};

struct ExportFormatTraits {
    ExportFormat format;
    std::string_view name;        // as --format takes it
    std::string_view description; // one line: what the export holds
    std::unique_ptr<ExportWriter> (*makeWriter)(const std::string& outputDir);
    // What the export will weigh, before the run (configs, headers and small tables not counted).
    std::uint64_t (*estimatedBytes)(const ExportSizeEstimate& estimate);
    // How nf codes must be found so that the exported Q is the one LoftQ measured; empty: any.
    std::optional<ScaleArithmetic> nfArithmetic;
    // Why the plan cannot be exported in this format, from the plan alone; empty when it can.
    std::optional<std::string> (*whyUnsuitable)(const Checkpoint& source, const std::vector<PlannedLayer>& layers);
};

const std::vector<ExportFormatTraits>& exportFormats();
const ExportFormatTraits& exportFormatTraits(ExportFormat format);
std::string_view exportFormatName(ExportFormat format);
std::optional<ExportFormat> parseExportFormat(std::string_view name);
// The names, "hf-peft, bnb-nf4 or packed", for messages and help.
std::string exportFormatNames(std::string_view lastSeparator = " or ");
std::uint64_t estimatedExportBytes(ExportFormat format, const ExportSizeEstimate& estimate);

// The arithmetic a run exporting `formats` quantizes nf layers with (the reference's division
// unless a format requires otherwise).
ScaleArithmetic nfArithmeticFor(const std::vector<ExportFormat>& formats);

// Where a format's files go: `outputDir` itself when it is the only format, else
// `outputDir/<format name>/`, so that no folder mixes files of two formats.
std::string exportFolder(const std::string& outputDir, const std::vector<ExportFormat>& formats, ExportFormat format);

} // namespace loftq
