// `loftq unpack`: the HF + PEFT export rebuilt from a packed container. It writes through the same
// layout, weight-storing and run-file helpers as the direct export, so the bytes are the same.
#include "hf_layout.hpp"
#include "loftq/errors.hpp"
#include "io/output_folder.hpp"
#include "loftq/export_format.hpp"
#include "loftq/packed_format.hpp"
#include "packed_container.hpp"
#include "run_files.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace loftq {
namespace {

using json = nlohmann::json;

// The unpack folder: created if missing; a non-empty one only with force (docs/trust.md's rule for
// exports, without the source-folder check: the container is a single file, and only files an
// earlier export of ours listed are replaced).
void prepareUnpackFolder(const std::string& outputDir, const std::vector<std::string>& planned, bool force)
{
    if (outputDir.empty())
        throwBadInput("-o", "no output folder given");
    const fs::path out(outputDir);
    if (fs::exists(out)) {
        if (!fs::is_directory(out))
            throwBadInput(outputDir, "exists and is not a folder");
        if (!fs::is_empty(out) && !force)
            throwBadInput(outputDir, "output folder is not empty (use --force to replace a previous export there)");
        const auto previous = previousExportFiles(outputDir);
        const std::set<std::string> ours(previous.begin(), previous.end());
        for (const auto& f : planned)
            if (fs::exists(out / f) && !ours.count(f))
                throwBadInput((out / f).string(), "exists and was not written by a previous export; refusing to replace it");
    }
    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec)
        throwRuntime(outputDir, "cannot create output folder: " + ec.message());
}

// What a user types for PACKED: the file, the packed export's folder, or the folder of an export of
// several formats (whose packed export is in its packed/ folder, docs/packed-format.md).
std::string packedFileAt(const std::string& path)
{
    if (!fs::is_directory(path))
        return path;
    const fs::path folder(path);
    for (const auto& candidate : {folder / kPackedFileName, folder / exportFormatName(ExportFormat::Packed) / kPackedFileName})
        if (fs::is_regular_file(candidate))
            return candidate.string();
    throwBadInput(path, std::string("is a folder with no ") + kPackedFileName + " (nor " +
                            std::string(exportFormatName(ExportFormat::Packed)) + "/" + kPackedFileName +
                            "); unpack reads the file that loftq quantize --format packed writes");
}

std::string withBasePath(std::span<const std::byte> configBytes, const std::string& folder, const std::string& label)
{
    json config;
    try {
        config = json::parse(std::string(reinterpret_cast<const char*>(configBytes.data()), configBytes.size()));
    } catch (const json::exception& e) {
        throwBadInput(label, std::string("embedded adapter_config.json is not valid JSON (") + e.what() + ")");
    }
    config["base_model_name_or_path"] = fs::absolute(folder).string();
    return config.dump(2) + "\n";
}

} // namespace

void unpackToHfPeft(const std::string& packedFileOrFolder, const std::string& outputDir, bool force)
{
    const std::string packedPath = packedFileAt(packedFileOrFolder);
    const detail::PackedContainer container(packedPath);
    const auto& layout = container.layout();
    auto planned = layout.hf.plannedFiles();
    planned.push_back(detail::kReportFile);
    planned.push_back(detail::kPlanFile);
    std::set<std::string> shardFiles;
    for (const auto& shard : layout.hf.shards)
        shardFiles.insert(shard.file);
    for (const auto& f : planned)
        if (!shardFiles.count(f))
            (void)container.embeddedFile(f);
    container.checkComplete();
    prepareUnpackFolder(outputDir, planned, force);

    detail::StagedFiles files(outputDir);
    for (const auto& shard : layout.hf.shards) {
        auto& out = shard.stageWithHeader(files);
        for (const auto& t : shard.tensors) {
            const auto it = layout.layers.find(t.name);
            if (it == layout.layers.end())
                out.write(container.bytes(t.name, t.dtype, t.byteSize()));
            else
                out.write(container.decodeWeight(t, it->second));
        }
        out.finish();
    }
    for (const auto& f : planned)
        if (f == detail::kAdapterConfigFile)
            files.stageText(f, withBasePath(container.embeddedFile(f), outputDir, packedPath));
        else if (!shardFiles.count(f))
            files.stageBytes(f, container.embeddedFile(f));
    AtomicFile manifest((fs::path(outputDir) / kExportManifest).string());
    manifest.write(detail::manifestText(planned));
    files.commit();
    manifest.commit();
}

} // namespace loftq
