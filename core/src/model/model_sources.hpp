#pragma once
// Internal: the ModelSource implementations openModelSource chooses between.
#include "loftq/model_source.hpp"

namespace loftq::model {

std::unique_ptr<ModelSource> openCheckpointSource(const std::string& path, ModelVariant variant);
std::unique_ptr<ModelSource> openPackedSource(const std::string& packedFile, ModelVariant variant);

} // namespace loftq::model
