// The export formats by name, where each one's files go, and the factory.
#include "loftq/export_writer.hpp"
#include "loftq/size_estimate.hpp"

#include <filesystem>

namespace loftq {

std::unique_ptr<ExportWriter> makeHfPeftWriter(const std::string& outputDir);
std::unique_ptr<ExportWriter> makeBnbNf4Writer(const std::string& outputDir);
std::unique_ptr<ExportWriter> makePackedWriter(const std::string& outputDir);

std::string_view exportFormatName(ExportFormat format)
{
    switch (format) {
    case ExportFormat::HfPeft: return "hf-peft";
    case ExportFormat::BnbNf4: return "bnb-nf4";
    case ExportFormat::Packed: return "packed";
    }
    return "?";
}

const std::vector<ExportFormat>& allExportFormats()
{
    static const std::vector<ExportFormat> all{ExportFormat::HfPeft, ExportFormat::BnbNf4, ExportFormat::Packed};
    return all;
}

std::optional<ExportFormat> parseExportFormat(std::string_view name)
{
    for (auto f : allExportFormats())
        if (exportFormatName(f) == name)
            return f;
    return std::nullopt;
}

std::string exportFolder(const std::string& outputDir, const std::vector<ExportFormat>& formats, ExportFormat format)
{
    if (formats.size() <= 1)
        return outputDir;
    return (std::filesystem::path(outputDir) / exportFormatName(format)).string();
}

std::uint64_t estimatedExportBytes(ExportFormat format, const ExportSizeEstimate& estimate)
{
    return format == ExportFormat::HfPeft ? estimate.sourceBytes + estimate.adapterBytes : estimate.total();
}

std::unique_ptr<ExportWriter> makeExportWriter(ExportFormat format, const std::string& outputDir)
{
    switch (format) {
    case ExportFormat::HfPeft: return makeHfPeftWriter(outputDir);
    case ExportFormat::BnbNf4: return makeBnbNf4Writer(outputDir);
    case ExportFormat::Packed: return makePackedWriter(outputDir);
    }
    return nullptr;
}

} // namespace loftq
