#include "loftq/errors.hpp"
#include "loftq/packed_format.hpp"
#include "model_sources.hpp"

#include <filesystem>

namespace loftq {

namespace fs = std::filesystem;

std::optional<ModelVariant> parseModelVariant(std::string_view name)
{
    if (name == "full")
        return ModelVariant::Full;
    if (name == "backbone")
        return ModelVariant::Backbone;
    return std::nullopt;
}

std::string_view modelVariantName(ModelVariant v)
{
    return v == ModelVariant::Full ? "full" : "backbone";
}

std::unique_ptr<ModelSource> openModelSource(const std::string& path, ModelVariant variant)
{
    const fs::path p(path);
    if (!fs::exists(p))
        throwBadInput(path, "no such file or folder");
    // A packed export's folder holds model.loftq and no weights of its own.
    const bool packedFolder = fs::is_directory(p) && fs::exists(p / kPackedFileName) &&
                              !fs::exists(p / "model.safetensors") && !fs::exists(p / "model.safetensors.index.json");
    if (packedFolder)
        return model::openPackedSource((p / kPackedFileName).string(), variant);
    if (fs::is_regular_file(p) && p.extension() == ".loftq")
        return model::openPackedSource(path, variant);
    return model::openCheckpointSource(path, variant);
}

} // namespace loftq
