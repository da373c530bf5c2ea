#pragma once
// Where a model's weights come from: an original checkpoint, an hf-peft export (backbone +
// loftq_init/ adapter), a bnb-nf4 export or a packed model.loftq; an in-memory run result is one
// more implementation of the same interface. Tensors are read one at a time, as float32, so an
// evaluation holds one block of weights at a time.
#include "loftq/checkpoint.hpp"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

// Backbone + adapter (what the export initializes), or the backbone alone (the QLoRA initialization).
enum class ModelVariant { Full, Backbone };
std::optional<ModelVariant> parseModelVariant(std::string_view name); // "full" | "backbone"
std::string_view modelVariantName(ModelVariant v);

// A LoRA adapter on one module, PEFT's scaling folded into `scale`: y += scale * B (A x).
struct LowRankAdapter {
    MatrixRM A; // r x in
    MatrixRM B; // out x r
    float scale = 1;
};

class ModelSource {
public:
    virtual ~ModelSource() = default;
    // config.json of the model (for an export, the source model's).
    virtual const nlohmann::json& config() const = 0;
    // Path and variant, for messages and summaries.
    virtual std::string label() const = 0;
    // The folder a tokenizer is looked for in.
    virtual std::string tokenizerFolder() const = 0;

    virtual bool hasTensor(const std::string& name) const = 0;
    // A tensor as float32, row-major: rows = the first dimension (1 for a 1-D tensor). Throws
    // Error(BadInput) naming the file when it is absent.
    virtual MatrixRM readTensor(const std::string& name) const = 0;
    // Selected rows of a 2-D tensor (an embedding's rows for some token ids), in the order asked.
    virtual MatrixRM readRows(const std::string& name, const std::vector<std::int64_t>& rows) const = 0;
    // A linear layer's weight as out x in (a Conv1D weight, stored [in, out], transposed),
    // dequantized to the values the export stands for.
    virtual MatrixRM readLinearWeight(const std::string& name, bool conv1d) const = 0;
    // The adapter on a module (its path, without ".weight"); none for the backbone variant.
    virtual std::optional<LowRankAdapter> adapter(const std::string& modulePath) const = 0;
    // Every module the adapter names (empty for the backbone variant), to check it fits the model.
    virtual std::vector<std::string> adaptedModules() const = 0;
};

// A checkpoint folder or file, an hf-peft or bnb-nf4 export folder, or a packed model.loftq (the
// file, or a folder holding one and no weights). Throws Error(BadInput) naming the file.
std::unique_ptr<ModelSource> openModelSource(const std::string& path, ModelVariant variant = ModelVariant::Full);

} // namespace loftq
