#pragma once
// A model checkpoint: one safetensors file, or a Hugging Face folder (model.safetensors or a
// sharded model.safetensors.index.json). Tensors stay memory-mapped; one is read at a time.
#include "loftq/matrix.hpp"
#include "loftq/safetensors.hpp"

#include <Eigen/Core>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loftq {

struct CheckpointTensor {
    TensorInfo info;
    std::size_t shard = 0; // index into Checkpoint::shards()
};

class Checkpoint {
public:
    // Throws Error(BadInput) naming the file and the problem.
    static Checkpoint open(const std::string& path);

    const std::string& path() const { return path_; }
    // The folder holding config.json and the shards (the file's folder for a single file).
    const std::string& directory() const { return directory_; }
    bool isFolder() const { return isFolder_; }
    bool isSharded() const { return !indexFile_.empty(); }
    const std::string& indexFile() const { return indexFile_; }
    const std::vector<std::shared_ptr<SafetensorsFile>>& shards() const { return shards_; }
    // Every tensor, shard by shard, each shard in data-offset order (the order exports write).
    const std::vector<CheckpointTensor>& tensors() const { return tensors_; }
    const CheckpointTensor* find(const std::string& name) const;
    // config.json when present (null otherwise).
    const nlohmann::json& config() const { return config_; }
    std::string modelType() const;
    std::vector<std::string> architectures() const;
    std::uint64_t totalBytes() const;

    std::span<const std::byte> rawBytes(const CheckpointTensor& t) const;
    // A 2-D floating tensor as float32, row-major, exactly as stored ([rows, cols] of the file).
    MatrixRM readMatrix(const CheckpointTensor& t) const;

private:
    std::string path_;
    std::string directory_;
    bool isFolder_ = false;
    std::string indexFile_;
    std::vector<std::shared_ptr<SafetensorsFile>> shards_;
    std::vector<CheckpointTensor> tensors_;
    std::map<std::string, std::size_t> byName_;
    nlohmann::json config_;
};

} // namespace loftq
