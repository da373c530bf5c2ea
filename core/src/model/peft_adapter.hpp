#pragma once
// Internal: a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors) as PEFT applies
// it: per module rank and alpha from rank_pattern / alpha_pattern (key matched as
// `(.*\.)?(KEY)$`, first match), scaling lora_alpha / r (or / sqrt(r) with rsLoRA).
#include "loftq/model_source.hpp"
#include "loftq/safetensors.hpp"

#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace loftq::model {

class PeftAdapter {
public:
    using TensorBytes = std::function<std::span<const std::byte>(const TensorInfo&)>;
    // Throws Error(BadInput) naming the files for a malformed or unsupported adapter.
    PeftAdapter(std::string_view configText, const std::string& configLabel, SafetensorsHeader tensors,
                TensorBytes bytes, const std::string& tensorsLabel);
    // From a folder's loftq_init/.
    static PeftAdapter fromFolder(const std::string& adapterFolder);

    std::optional<LowRankAdapter> find(const std::string& modulePath) const;
    std::vector<std::string> modules() const;

private:
    struct Entry {
        TensorInfo A, B;
        float scale = 1;
    };
    std::map<std::string, Entry> entries_;
    TensorBytes bytes_;
    std::string label_;
};

} // namespace loftq::model
