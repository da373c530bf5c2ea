// The export formats table (export_format.hpp) and where each format's files go.
#include "loftq/export_format.hpp"
#include "loftq/export_writer.hpp"
#include "loftq/size_estimate.hpp"

#include <filesystem>

namespace loftq {

std::unique_ptr<ExportWriter> makeHfPeftWriter(const std::string& outputDir);
std::unique_ptr<ExportWriter> makeBnbNf4Writer(const std::string& outputDir);
std::unique_ptr<ExportWriter> makePackedWriter(const std::string& outputDir);
std::optional<std::string> whyUnsuitableForBnbNf4(const Checkpoint& source, const std::vector<PlannedLayer>& layers);
std::optional<std::string> whyUnsuitableForPacked(const Checkpoint& source, const std::vector<PlannedLayer>& layers);

namespace {

// hf-peft holds every tensor at its source size; the low-bit formats the estimate's backbone.
std::uint64_t sourceSizeAndAdapter(const ExportSizeEstimate& e) { return e.sourceBytes + e.adapterBytes; }
std::uint64_t lowBitBackboneAndAdapter(const ExportSizeEstimate& e) { return e.total(); }

std::optional<std::string> suitsAnyPlan(const Checkpoint&, const std::vector<PlannedLayer>&) { return std::nullopt; }

const std::vector<ExportFormatTraits> kExportFormats{
    {ExportFormat::HfPeft, "hf-peft",
     "Hugging Face + PEFT: the model folder with Q as its weights (source dtype), the LoftQ adapter in loftq_init/",
     &makeHfPeftWriter, &sourceSizeAndAdapter, std::nullopt, &suitsAnyPlan},
    // bitsandbytes finds nf codes on x * (1/absmax); its export must hold the Q that was measured.
    {ExportFormat::BnbNf4, "bnb-nf4",
     "bitsandbytes NF4: weights pre-quantized for 4-bit loading, the adapter in loftq_init/ (every quantized "
     "layer nf, 4 bits, block 64)",
     &makeBnbNf4Writer, &lowBitBackboneAndAdapter, ScaleArithmetic::MultiplyByReciprocal, &whyUnsuitableForBnbNf4},
    {ExportFormat::Packed, "packed",
     "one model.loftq with bit-packed codes and scales, the size the estimate shows; loftq unpack writes its "
     "hf-peft export",
     &makePackedWriter, &lowBitBackboneAndAdapter, std::nullopt, &whyUnsuitableForPacked},
};

} // namespace

const std::vector<ExportFormatTraits>& exportFormats() { return kExportFormats; }

const ExportFormatTraits& exportFormatTraits(ExportFormat format) { return kExportFormats[std::size_t(format)]; }

std::string_view exportFormatName(ExportFormat format) { return exportFormatTraits(format).name; }

std::optional<ExportFormat> parseExportFormat(std::string_view name)
{
    for (const auto& f : kExportFormats)
        if (f.name == name)
            return f.format;
    return std::nullopt;
}

std::string exportFormatNames(std::string_view lastSeparator)
{
    std::string names;
    for (std::size_t i = 0; i < kExportFormats.size(); ++i)
        names += std::string(i == 0 ? "" : i + 1 == kExportFormats.size() ? lastSeparator : ", ") +
                 std::string(kExportFormats[i].name);
    return names;
}

std::uint64_t estimatedExportBytes(ExportFormat format, const ExportSizeEstimate& estimate)
{
    return exportFormatTraits(format).estimatedBytes(estimate);
}

ScaleArithmetic nfArithmeticFor(const std::vector<ExportFormat>& formats)
{
    for (auto f : formats)
        if (const auto required = exportFormatTraits(f).nfArithmetic)
            return *required;
    return ScaleArithmetic::Divide;
}

std::string exportFolder(const std::string& outputDir, const std::vector<ExportFormat>& formats, ExportFormat format)
{
    if (formats.size() <= 1)
        return outputDir;
    return (std::filesystem::path(outputDir) / exportFormatName(format)).string();
}

} // namespace loftq
