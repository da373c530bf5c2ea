#pragma once
// Internal: the ModelSource implementations openModelSource chooses between.
#include "loftq/model_source.hpp"
#include "peft_adapter.hpp"

#include <optional>

namespace loftq::model {

// What every source with a loftq_init/ adapter shares: the adapter (absent for the backbone variant).
class AdaptedSource : public ModelSource {
public:
    std::optional<LowRankAdapter> adapter(const std::string& modulePath) const override
    {
        return adapter_ ? adapter_->find(modulePath) : std::nullopt;
    }
    std::vector<std::string> adaptedModules() const override
    {
        return adapter_ ? adapter_->modules() : std::vector<std::string>{};
    }

protected:
    // A stored weight as out x in (Conv1D weights are stored [in, out]).
    static MatrixRM outByIn(MatrixRM stored, bool conv1d) { return conv1d ? MatrixRM(stored.transpose()) : stored; }
    std::optional<PeftAdapter> adapter_;
};

std::unique_ptr<ModelSource> openCheckpointSource(const std::string& path, ModelVariant variant);
std::unique_ptr<ModelSource> openPackedSource(const std::string& packedFile, ModelVariant variant);

} // namespace loftq::model
