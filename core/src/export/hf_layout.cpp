#include "hf_layout.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace loftq::detail {
namespace {

using json = nlohmann::json;

json tensorToJson(const TensorInfo& t)
{
    return {{"name", t.name}, {"dtype", dtypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
}

TensorInfo tensorFromJson(const json& j)
{
    TensorInfo t;
    t.name = j.at("name").get<std::string>();
    const auto dtype = parseDType(j.at("dtype").get<std::string>());
    if (!dtype)
        throw std::invalid_argument("unknown dtype " + j.at("dtype").get<std::string>());
    t.dtype = *dtype;
    t.shape = j.at("shape").get<std::vector<std::int64_t>>();
    t.begin = j.at("data_offsets").at(0).get<std::uint64_t>();
    t.end = j.at("data_offsets").at(1).get<std::uint64_t>();
    return t;
}

bool isPlainRelativePath(const std::string& p)
{
    const fs::path path(p);
    if (p.empty() || path.is_absolute())
        return false;
    return std::none_of(path.begin(), path.end(), [](const fs::path& part) { return part == ".." || part == "."; });
}

} // namespace

bool isCopiedThrough(const std::string& name)
{
    static const std::set<std::string> weightExtensions{".safetensors", ".bin", ".pt", ".pth", ".ckpt",
                                                        ".h5", ".msgpack", ".gguf", ".onnx"};
    return !name.starts_with(".") && !weightExtensions.count(fs::path(name).extension().string()) &&
           name != "model.safetensors.index.json" && name != "pytorch_model.bin.index.json" &&
           !name.starts_with("loftq_");
}

AtomicFile& ShardLayout::stageWithHeader(StagedFiles& files) const
{
    auto& f = files.stage(file);
    f.write(serializeSafetensorsHeader(tensors, metadata));
    return f;
}

HfLayout HfLayout::of(const Checkpoint& source)
{
    HfLayout layout;
    for (const auto& shard : source.shards()) {
        ShardLayout s{fs::path(shard->path()).filename().string(), shard->header().tensors, shard->header().metadata};
        s.metadata["loftq_workbench"] = LOFTQ_VERSION;
        layout.shards.push_back(std::move(s));
    }
    if (source.isSharded())
        layout.verbatimFiles.push_back(fs::path(source.indexFile()).filename().string());
    if (source.isFolder()) {
        std::vector<std::string> copied;
        for (const auto& entry : fs::directory_iterator(source.directory()))
            if (entry.is_regular_file() && isCopiedThrough(entry.path().filename().string()))
                copied.push_back(entry.path().filename().string());
        layout.verbatimFiles.insert(layout.verbatimFiles.end(), copied.begin(), copied.end());
    }
    return layout;
}

std::vector<std::string> HfLayout::plannedFiles() const
{
    std::vector<std::string> files;
    for (const auto& s : shards)
        files.push_back(s.file);
    files.insert(files.end(), verbatimFiles.begin(), verbatimFiles.end());
    files.push_back(kAdapterConfigFile);
    files.push_back(kAdapterModelFile);
    return files;
}

json HfLayout::toJson() const
{
    json j;
    j["shards"] = json::array();
    for (const auto& s : shards) {
        json sj{{"file", s.file}, {"metadata", s.metadata}, {"tensors", json::array()}};
        for (const auto& t : s.tensors)
            sj["tensors"].push_back(tensorToJson(t));
        j["shards"].push_back(sj);
    }
    j["verbatim_files"] = verbatimFiles;
    return j;
}

HfLayout HfLayout::fromJson(const json& j, const std::string& label)
{
    HfLayout layout;
    try {
        for (const auto& sj : j.at("shards")) {
            ShardLayout s;
            s.file = sj.at("file").get<std::string>();
            s.metadata = sj.at("metadata").get<std::map<std::string, std::string>>();
            for (const auto& tj : sj.at("tensors"))
                s.tensors.push_back(tensorFromJson(tj));
            layout.shards.push_back(std::move(s));
        }
        layout.verbatimFiles = j.at("verbatim_files").get<std::vector<std::string>>();
    } catch (const std::exception& e) {
        throwBadInput(label, std::string("malformed export layout (") + e.what() + ")");
    }
    for (const auto& f : layout.plannedFiles())
        if (!isPlainRelativePath(f))
            throwBadInput(label, "export layout names a file outside its folder: '" + f + "'");
    return layout;
}

void forEachStoredWeightPart(const MatrixRM& Q, bool conv1d, DType dtype,
                             const std::function<void(std::span<const std::byte>)>& sink)
{
    // Stored rows: Q's rows, or its columns for a Conv1D weight ([in, out] again).
    const Eigen::Index storedRows = conv1d ? Q.cols() : Q.rows();
    const Eigen::Index storedCols = conv1d ? Q.rows() : Q.cols();
    const std::size_t rowBytes = std::size_t(storedCols) * dtypeSize(dtype);
    const Eigen::Index rowsPerPart = std::max<Eigen::Index>(1, Eigen::Index(kStoredWeightPartBytes / rowBytes));
    std::vector<std::byte> part;
    MatrixRM transposed;
    for (Eigen::Index begin = 0; begin < storedRows; begin += rowsPerPart) {
        const Eigen::Index rows = std::min(rowsPerPart, storedRows - begin);
        const float* values = Q.data() + std::size_t(begin) * std::size_t(storedCols);
        if (conv1d) {
            transposed = Q.middleCols(begin, rows).transpose();
            values = transposed.data();
        }
        part.resize(std::size_t(rows) * rowBytes);
        fromFloat32(dtype, values, part.data(), std::size_t(rows * storedCols));
        sink(part);
    }
}

std::vector<std::byte> storedWeightBytes(const MatrixRM& Q, bool conv1d, DType dtype)
{
    std::vector<std::byte> bytes;
    bytes.reserve(std::size_t(Q.size()) * dtypeSize(dtype));
    forEachStoredWeightPart(Q, conv1d, dtype,
                            [&](std::span<const std::byte> part) { bytes.insert(bytes.end(), part.begin(), part.end()); });
    return bytes;
}

} // namespace loftq::detail
