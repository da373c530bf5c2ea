// Opening a checkpoint: a single safetensors file or a Hugging Face folder, sharded or not.
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "io/page_release.hpp"
#include "io/shard_index.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace loftq {
namespace {

// Small JSON side files (config, index). Refuses what is not a regular file (a FIFO would block)
// and anything too large to be one, before reading it.
std::string readTextFile(const fs::path& path)
{
    constexpr std::uintmax_t kMaxTextFile = 100'000'000;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::is_regular_file(status))
        throwBadInput(path.string(), "not a regular file");
    const auto size = fs::file_size(path, ec);
    if (ec)
        throwBadInput(path.string(), "cannot read: " + ec.message());
    if (size > kMaxTextFile)
        throwBadInput(path.string(), "is " + std::to_string(size) + " bytes, larger than the limit of " +
                                         std::to_string(kMaxTextFile) + " for a JSON file");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwBadInput(path.string(), "cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

nlohmann::json readJsonFile(const fs::path& path)
{
    const std::string text = readTextFile(path);
    if (!isValidUtf8(text))
        throwBadInput(path.string(), "not valid UTF-8");
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(path.string(), std::string("not valid JSON (") + e.what() + ")");
    }
}

} // namespace

Checkpoint Checkpoint::open(const std::string& path)
{
    Checkpoint cp;
    cp.path_ = path;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throwBadInput(path, "no such file or folder");

    std::vector<std::string> shardFiles;
    std::map<std::string, std::string> weightMap; // tensor -> shard file (sharded only)
    if (fs::is_directory(status)) {
        cp.isFolder_ = true;
        cp.directory_ = path;
        const fs::path dir(path);
        // Non-throwing queries: a hostile name (too long, a loop of links) must be a clean error.
        auto present = [](const fs::path& p) {
            std::error_code e;
            return fs::exists(p, e) && !e;
        };
        if (present(dir / "model.safetensors.index.json")) {
            cp.indexFile_ = (dir / "model.safetensors.index.json").string();
            auto index = parseShardIndex(readTextFile(cp.indexFile_), cp.indexFile_);
            weightMap = std::move(index.weightMap);
            shardFiles = std::move(index.shardFiles);
            for (const auto& shard : shardFiles) {
                std::error_code e;
                if (!fs::is_regular_file(dir / shard, e) || e)
                    throwBadInput(cp.indexFile_, "shard " + quoteName(shard) + " is missing from " + path);
            }
        } else if (present(dir / "model.safetensors")) {
            shardFiles.push_back("model.safetensors");
        } else {
            std::string hint;
            if (present(dir / "pytorch_model.bin") || present(dir / "pytorch_model.bin.index.json"))
                hint = " (found pytorch_model.bin: convert it to safetensors first)";
            throwBadInput(path, "folder has no model.safetensors or model.safetensors.index.json" + hint);
        }
        if (present(dir / "config.json"))
            cp.config_ = readJsonFile(dir / "config.json");
        for (const auto& shard : shardFiles)
            cp.shards_.push_back(SafetensorsFile::open((dir / shard).string()));
    } else {
        cp.directory_ = fs::path(path).parent_path().string();
        if (cp.directory_.empty())
            cp.directory_ = ".";
        cp.shards_.push_back(SafetensorsFile::open(path));
    }
    if (!cp.config_.is_null() && !cp.config_.is_object())
        throwBadInput((fs::path(cp.directory_) / "config.json").string(), "is not a JSON object");

    for (std::size_t s = 0; s < cp.shards_.size(); ++s) {
        for (const auto& info : cp.shards_[s]->header().tensors) {
            if (cp.byName_.count(info.name))
                throwBadInput(cp.shards_[s]->path(), "tensor " + quoteName(info.name) + " also appears in another shard");
            if (!weightMap.empty()) {
                const auto it = weightMap.find(info.name);
                if (it != weightMap.end() && it->second != fs::path(cp.shards_[s]->path()).filename().string())
                    throwBadInput(cp.indexFile_, "tensor " + quoteName(info.name) + " is mapped to " + it->second +
                                                     " but stored in " + cp.shards_[s]->path());
            }
            cp.byName_[info.name] = cp.tensors_.size();
            cp.tensors_.push_back({info, s});
        }
    }
    for (const auto& [name, shard] : weightMap)
        if (!cp.byName_.count(name))
            throwBadInput(cp.indexFile_, "tensor " + quoteName(name) + " is not found in its shard " + shard);
    return cp;
}

const CheckpointTensor* Checkpoint::find(const std::string& name) const
{
    const auto it = byName_.find(name);
    return it == byName_.end() ? nullptr : &tensors_[it->second];
}

std::string Checkpoint::modelType() const
{
    if (config_.is_object() && config_.contains("model_type") && config_["model_type"].is_string())
        return config_["model_type"].get<std::string>();
    return {};
}

std::vector<std::string> Checkpoint::architectures() const
{
    std::vector<std::string> out;
    if (config_.is_object() && config_.contains("architectures") && config_["architectures"].is_array())
        for (const auto& a : config_["architectures"])
            if (a.is_string())
                out.push_back(a.get<std::string>());
    return out;
}

std::uint64_t Checkpoint::totalBytes() const
{
    std::uint64_t n = 0;
    for (const auto& s : shards_)
        n += s->fileSize();
    return n;
}

std::span<const std::byte> Checkpoint::rawBytes(const CheckpointTensor& t) const
{
    return shards_[t.shard]->data(t.info);
}

MatrixRM Checkpoint::readMatrix(const CheckpointTensor& t) const
{
    const auto& label = shards_[t.shard]->path();
    if (t.info.shape.size() != 2)
        throwBadInput(label, "tensor " + quoteName(t.info.name) + " is not a matrix");
    if (!isFloatingWeight(t.info.dtype))
        throwBadInput(label, "tensor " + quoteName(t.info.name) + " has dtype " + std::string(dtypeName(t.info.dtype)) +
                                 ", which cannot be quantized");
    MatrixRM m(t.info.shape[0], t.info.shape[1]);
    adviseHugePages(m.data(), std::size_t(m.size()) * sizeof(float));
    const auto bytes = rawBytes(t);
    populateMappedPages(bytes);
    toFloat32(t.info.dtype, bytes.data(), m.data(), t.info.elementCount());
    return m;
}

} // namespace loftq
