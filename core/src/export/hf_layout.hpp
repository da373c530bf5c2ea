#pragma once
// Internal: the file layout of the HF + PEFT export (docs/formats.md), described once so that the
// direct export and `loftq unpack` write the same bytes: the source's shards with the same tensors
// and header metadata, the source's other files copied verbatim, and the adapter under loftq_init/.
#include "loftq/atomic_file.hpp"
#include "loftq/checkpoint.hpp"
#include "staged_files.hpp"

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace loftq::detail {

inline constexpr const char* kAdapterConfigFile = "loftq_init/adapter_config.json";
inline constexpr const char* kAdapterModelFile = "loftq_init/adapter_model.safetensors";

struct ShardLayout {
    std::string file;
    std::vector<TensorInfo> tensors;             // in data order, with the source's offsets
    std::map<std::string, std::string> metadata; // as written: the source's plus "loftq_workbench"
    // Stages the shard and writes its header; the caller then writes each tensor's bytes in order.
    AtomicFile& stageWithHeader(StagedFiles& files) const;
};

struct HfLayout {
    std::vector<ShardLayout> shards;
    // Copied byte for byte from the source folder: the shard index when sharded, then config.json,
    // tokenizer files and the like.
    std::vector<std::string> verbatimFiles;

    static HfLayout of(const Checkpoint& source);
    // Every file of the export, relative to its folder, in the order the run manifest lists them
    // (the report and plan, which the runner writes, excluded).
    std::vector<std::string> plannedFiles() const;
    nlohmann::json toJson() const;
    // Throws Error(BadInput) naming `label`.
    static HfLayout fromJson(const nlohmann::json& j, const std::string& label);
};

// Files of a Hugging Face folder that an export copies through unchanged: not weights (those are
// written fresh), not hidden, not an earlier export's own files.
bool isCopiedThrough(const std::string& fileName);

// Q as stored in the export: the source dtype, [in, out] again for Conv1D weights.
std::vector<std::byte> storedWeightBytes(const MatrixRM& Q, bool conv1d, DType dtype);
// The same bytes handed to `sink` in parts of about kStoredWeightPartBytes, for writing a matrix
// without a converted copy of all of it (a fresh process pays the kernel for every new page).
inline constexpr std::size_t kStoredWeightPartBytes = std::size_t(1) << 20;
void forEachStoredWeightPart(const MatrixRM& Q, bool conv1d, DType dtype,
                             const std::function<void(std::span<const std::byte>)>& sink);

} // namespace loftq::detail
