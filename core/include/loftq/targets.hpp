#pragma once
// Which tensors LoftQ quantizes: by default every linear weight inside the transformer blocks
// (attention and MLP), never embeddings, heads, norms or poolers; `--target REGEX` overrides.
#include "loftq/checkpoint.hpp"

#include <optional>
#include <string>
#include <vector>

namespace loftq {

// Where a tensor sits in the model, parsed from its name.
struct TensorPlace {
    std::string stack;  // "encoder", "decoder" or "" (decoder-only models)
    int block = -1;     // transformer block index, -1 outside the blocks
};
TensorPlace parseTensorPlace(const std::string& tensorName);

struct LayerDescriptor {
    std::string tensorName;   // model.layers.0.self_attn.q_proj.weight
    std::string modulePath;   // model.layers.0.self_attn.q_proj (what PEFT names the module)
    std::string role;         // q_proj, c_attn, query, wi, ...
    TensorPlace place;
    std::int64_t outFeatures = 0;
    std::int64_t inFeatures = 0;
    bool conv1d = false;      // GPT-2 Conv1D: stored [in, out], quantized as its transpose
    DType dtype = DType::F32;
    std::uint64_t elements() const { return std::uint64_t(outFeatures) * std::uint64_t(inFeatures); }
};

// Targets in checkpoint order. Empty `targetPatterns` means the default rule; otherwise a 2-D
// floating ".weight" tensor is a target when any pattern matches (std::regex search) its name.
// Throws Error(BadInput) for an invalid pattern.
std::vector<LayerDescriptor> selectTargets(const Checkpoint& checkpoint,
                                           const std::vector<std::string>& targetPatterns = {});

// Describes one tensor as a layer (used for targets picked by pattern, too).
LayerDescriptor describeLayer(const Checkpoint& checkpoint, const CheckpointTensor& tensor);
bool isDefaultTarget(const Checkpoint& checkpoint, const CheckpointTensor& tensor);

} // namespace loftq
