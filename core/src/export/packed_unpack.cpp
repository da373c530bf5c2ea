// `loftq unpack`: the HF + PEFT export rebuilt from a packed container. It writes through the same
// layout, weight-storing and run-file helpers as the direct export, so the bytes are the same.
#include "hf_layout.hpp"
#include "loftq/errors.hpp"
#include "io/output_folder.hpp"
#include "loftq/export_format.hpp"
#include "loftq/packed_format.hpp"
#include "packed_layout.hpp"
#include "run_files.hpp"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace loftq {
namespace {

using json = nlohmann::json;

class PackedContainer {
public:
    explicit PackedContainer(const std::string& path) : file_(Checkpoint::open(path)), label_(path)
    {
        const auto& metadata = file_.shards().front()->header().metadata;
        const auto format = metadata.find("format");
        if (format == metadata.end() || format->second != kPackedFormatName)
            throwBadInput(path, "is not a packed LoftQ export (no \"format\": \"loftq-packed\" in its metadata)");
        const auto version = metadata.find("loftq_packed_version");
        if (version == metadata.end() || version->second != std::to_string(kPackedFormatVersion))
            throwBadInput(path, "packed format version " +
                                    (version == metadata.end() ? std::string("(none)") : version->second) +
                                    " is not the one this build reads (" + std::to_string(kPackedFormatVersion) + ")");
        const auto layout = metadata.find(detail::kPackedLayoutKey);
        json j;
        try {
            j = json::parse(layout == metadata.end() ? std::string() : layout->second);
        } catch (const json::exception& e) {
            throwBadInput(path, std::string("metadata ") + detail::kPackedLayoutKey + " is not valid JSON (" + e.what() + ")");
        }
        layout_ = detail::PackedLayout::fromJson(j, path);
    }

    const detail::PackedLayout& layout() const { return layout_; }

    // A tensor that must be there with this dtype and byte size.
    std::span<const std::byte> bytes(const std::string& name, DType dtype, std::uint64_t byteSize) const
    {
        const auto* t = file_.find(name);
        if (!t)
            throwBadInput(label_, "tensor '" + name + "' is missing");
        if (t->info.dtype != dtype || t->info.byteSize() != byteSize)
            throwBadInput(label_, "tensor '" + name + "' is " + std::string(dtypeName(t->info.dtype)) + " of " +
                                      std::to_string(t->info.byteSize()) + " bytes; expected " +
                                      std::string(dtypeName(dtype)) + " of " + std::to_string(byteSize));
        return file_.rawBytes(*t);
    }

    std::span<const std::byte> embeddedFile(const std::string& relative) const
    {
        const auto* t = file_.find(kPackedFilePrefix + relative);
        if (!t || t->info.dtype != DType::U8)
            throwBadInput(label_, "embedded file '" + relative + "' is missing");
        return file_.rawBytes(*t);
    }

    // The packed form of a quantized weight, checked against its layout entry and the engine.
    struct PackedWeight {
        QuantizerSpec spec;
        std::uint64_t count = 0;
        std::span<const std::byte> codes, scales;
    };
    PackedWeight packedWeight(const TensorInfo& stored, const detail::PackedLayer& l) const
    {
        PackedWeight w{{l.method, l.bits, l.blockSize}, std::uint64_t(l.rows) * std::uint64_t(l.cols), {}, {}};
        if (l.rows <= 0 || l.cols <= 0 || w.count != stored.elementCount() || !isFloatingWeight(stored.dtype) ||
            !checkQuantizable(w.spec, w.count).empty())
            throwBadInput(label_, "layer '" + stored.name + "' has an impossible setting or shape");
        const auto& table = codebook(l.method, l.bits);
        const auto storedTable = bytes(l.codebook, DType::F32, table.size() * sizeof(float));
        if (!std::equal(storedTable.begin(), storedTable.end(), std::as_bytes(std::span(table)).begin()))
            throwBadInput(label_, "codebook '" + l.codebook + "' differs from this engine's " +
                                      std::string(quantMethodName(l.method)) + std::to_string(l.bits) + " table");
        w.codes = bytes(l.codes, DType::U8, packedCodeBytes(w.count, l.bits));
        w.scales = bytes(l.scales, DType::F32, w.count / std::uint64_t(l.blockSize) * sizeof(float));
        return w;
    }

    // Q of a quantized weight, stored as the direct export stores it.
    std::vector<std::byte> decodeWeight(const TensorInfo& stored, const detail::PackedLayer& l) const
    {
        const auto w = packedWeight(stored, l);
        QuantizedBlocks blocks;
        blocks.codes = unpackCodes({reinterpret_cast<const std::uint8_t*>(w.codes.data()), w.codes.size()}, l.bits, w.count);
        blocks.scales.resize(w.scales.size() / sizeof(float));
        std::memcpy(blocks.scales.data(), w.scales.data(), w.scales.size());
        MatrixRM Q(l.rows, l.cols);
        dequantizeBlockwise(w.spec, blocks, {Q.data(), std::size_t(Q.size())});
        return detail::storedWeightBytes(Q, l.conv1d, stored.dtype);
    }

    // Every tensor of the export is there, of the right type and size: checked before the output
    // folder is touched.
    void checkComplete() const
    {
        for (const auto& shard : layout_.hf.shards)
            for (const auto& t : shard.tensors)
                if (const auto it = layout_.layers.find(t.name); it != layout_.layers.end())
                    (void)packedWeight(t, it->second);
                else
                    (void)bytes(t.name, t.dtype, t.byteSize());
    }

private:
    Checkpoint file_;
    std::string label_;
    detail::PackedLayout layout_;
};

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
    const PackedContainer container(packedPath);
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
