#pragma once
// Internal: config.json -> what the forward pass computes (docs/model.md). One table row per
// family names its tensors, fused splits, norm, activation key and position scheme; the block
// forward pass is written once against that row.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loftq::model {

enum class NormKind { RMSNorm, LayerNorm };
enum class PositionScheme { Rotary, Learned };
enum class Activation { Silu, GeluTanh, GeluErf, Relu };

// One family. Module names are relative to a block ("self_attn.q_proj"); an empty fused name means
// the separate modules are used.
struct FamilyDescription {
    std::vector<std::string> modelTypes;
    // config.json keys
    std::string hiddenKey, layersKey, headsKey, intermediateKey, epsKey, maxPositionsKey, activationKey;
    // tensor names
    std::string embedding, positionEmbedding, blockPrefix, finalNorm, norm1, norm2;
    std::string qkvFused, q, k, v, o;     // fused rows (Conv1D: columns) are [q; k; v]
    std::string gateUpFused, gate, up, down; // fused rows [gate; up]; gate empty: plain MLP up -> act -> down
    NormKind norm;
    PositionScheme positions;
    bool conv1d; // linear weights stored [in, out]
};

const std::vector<FamilyDescription>& modelFamilies();

struct ModelArchitecture {
    const FamilyDescription* family = nullptr;
    std::string modelType;
    int hidden = 0, layers = 0, heads = 0, kvHeads = 0, headDim = 0, intermediate = 0, vocab = 0;
    int maxPositions = 0;
    double eps = 1e-5;
    Activation activation = Activation::Silu;
    std::string activationName;
    int rotaryDim = 0;              // rotary part of each head (Rotary positions)
    std::vector<float> invFreq;     // rotaryDim / 2 inverse frequencies
    bool tiedEmbeddings = false;    // LM head = embedding matrix
    int slidingWindow = 0;          // 0: none; otherwise refused when shorter than the context

    std::string blockTensor(int block, const std::string& module, const char* suffix = ".weight") const;
    std::string blockModule(int block, const std::string& module) const;
    // Fields that must agree between an original and an export of it, as "key value" for messages.
    std::vector<std::pair<std::string, long>> shapeFields() const;
};

// Throws Error(BadInput) naming `label` (config.json) and the key for anything not supported.
ModelArchitecture describeModel(const nlohmann::json& config, const std::string& label);

// The rope inverse frequencies for `rotaryDim` (rope type default or llama3). Internal; tested.
std::vector<float> ropeInverseFrequencies(const nlohmann::json& ropeParameters, int rotaryDim,
                                          const std::string& label);

} // namespace loftq::model
