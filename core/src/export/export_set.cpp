#include "export_set.hpp"
#include "loftq/atomic_file.hpp"
#include "loftq/errors.hpp"
#include "io/output_folder.hpp"
#include "run_files.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace loftq::detail {

ExportSet::ExportSet(const Checkpoint& source, const Plan& plan, const std::vector<PlannedLayer>& layers,
                     const std::string& outputDir, const std::vector<ExportFormat>& requested)
    : outputDir_(outputDir)
{
    std::vector<ExportFormat> formats;
    for (auto f : requested)
        if (std::find(formats.begin(), formats.end(), f) == formats.end())
            formats.push_back(f);
    if (formats.empty())
        formats.push_back(ExportFormat::HfPeft);
    for (auto f : formats)
        if (const auto why = exportFormatTraits(f).whyUnsuitable(source, layers))
            throwBadInput("--format " + std::string(exportFormatName(f)), *why);
    std::vector<LayerDescriptor> targets;
    for (const auto& l : layers)
        targets.push_back(l.layer);
    for (auto f : formats) {
        const auto folder = exportFolder(outputDir_, formats, f);
        Member m{formats.size() > 1 ? std::string(exportFormatName(f)) + "/" : "", folder,
                 exportFormatTraits(f).makeWriter(folder), {}};
        m.writer->begin(source, plan, targets);
        m.files = m.writer->plannedFiles();
        m.files.push_back(kReportFile);
        m.files.push_back(kPlanFile);
        if (formats.size() > 1)
            m.files.push_back(kExportManifest);
        members_.push_back(std::move(m));
    }
    const auto previous = previousExportFiles(outputDir_);
    const std::set<std::string> ours(previous.begin(), previous.end());
    for (const auto& m : members_)
        for (const auto& f : m.files)
            if (fs::exists(fs::path(outputDir_) / (m.prefix + f)) && !ours.count(m.prefix + f))
                throwBadInput((fs::path(outputDir_) / (m.prefix + f)).string(),
                              "exists and was not written by a previous export; refusing to replace it");
    for (const auto& m : members_) {
        std::error_code ec;
        fs::create_directories(m.folder, ec);
        if (ec)
            throwRuntime(m.folder, "cannot create folder: " + ec.message());
    }
}

void ExportSet::consume(const CheckpointTensor& tensor, const QuantizedLayer* quantized)
{
    for (auto& m : members_)
        m.writer->consume(tensor, quantized);
}

void ExportSet::finishAndCommit(const RunReport& report, const Plan& plan, const std::atomic<bool>* cancel)
{
    std::vector<std::unique_ptr<AtomicFile>> runFiles;
    std::vector<std::string> allFiles;
    auto stage = [&](const std::string& relative, const std::string& text) {
        runFiles.push_back(std::make_unique<AtomicFile>((fs::path(outputDir_) / relative).string()));
        runFiles.back()->write(text);
        runFiles.back()->finish();
    };
    const auto reportText = reportFileText(report, plan);
    const auto planText = planFileText(plan);
    for (auto& m : members_) {
        m.writer->finish(report);
        stage(m.prefix + kReportFile, reportText);
        stage(m.prefix + kPlanFile, planText);
        if (!m.prefix.empty())
            stage(m.prefix + kExportManifest, manifestText({m.files.begin(), m.files.end() - 1}));
        for (const auto& f : m.files)
            allFiles.push_back(m.prefix + f);
    }
    stage(kExportManifest, manifestText(allFiles));
    // Everything is written and its fsyncs run: only waiting for them and the renames are left.
    if (cancel && cancel->load())
        throw Error(ErrorKind::Cancelled, "cancelled");
    const auto previous = previousExportFiles(outputDir_);
    for (auto& m : members_)
        m.writer->commit();
    for (auto& f : runFiles)
        f->commit();
    // Files an earlier export of ours wrote that this one did not (e.g. another shard count).
    const std::set<std::string> now(allFiles.begin(), allFiles.end());
    for (const auto& f : previous)
        if (!now.count(f)) {
            std::error_code ec;
            fs::remove(fs::path(outputDir_) / f, ec);
        }
}

} // namespace loftq::detail
