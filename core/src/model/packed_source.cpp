// Weights from a packed model.loftq (docs/packed-format.md): quantized weights decoded by the
// container `loftq unpack` reads through, rounded to their stored dtype, so they are the hf-peft
// export's Q; the embedded config and adapter come from the same file.
#include "model_sources.hpp"

#include "../export/packed_container.hpp"
#include "loftq/errors.hpp"
#include "tensor_values.hpp"

#include <filesystem>

namespace loftq::model {
namespace {

using json = nlohmann::json;

std::string_view asText(std::span<const std::byte> bytes)
{
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

class PackedSource final : public AdaptedSource {
public:
    PackedSource(const std::string& path, ModelVariant variant)
        : container_(std::make_shared<detail::PackedContainer>(path)), variant_(variant)
    {
        for (const auto& shard : container_->layout().hf.shards)
            for (const auto& t : shard.tensors)
                tensors_[t.name] = t;
        try {
            config_ = json::parse(asText(container_->embeddedFile("config.json")));
        } catch (const json::exception& e) {
            throwBadInput(path, std::string("embedded config.json is not valid JSON (") + e.what() + ")");
        }
        if (variant_ == ModelVariant::Full) {
            const auto adapterBytes = container_->embeddedFile("loftq_init/adapter_model.safetensors");
            const auto label = path + ":loftq_init/adapter_model.safetensors";
            auto header = parseSafetensorsHeader(adapterBytes, adapterBytes.size(), label);
            const auto dataStart = header.dataStart();
            adapter_.emplace(asText(container_->embeddedFile("loftq_init/adapter_config.json")),
                             path + ":loftq_init/adapter_config.json", std::move(header),
                             [c = container_, adapterBytes, dataStart](const TensorInfo& t) {
                                 return adapterBytes.subspan(dataStart + t.begin, t.byteSize());
                             },
                             label);
        }
    }

    const json& config() const override { return config_; }
    std::string label() const override
    {
        return container_->path() + (variant_ == ModelVariant::Full ? " (backbone + adapter)" : " (backbone)");
    }
    std::string tokenizerFolder() const override
    {
        return std::filesystem::path(container_->path()).parent_path().string();
    }
    bool hasTensor(const std::string& name) const override { return tensors_.count(name) != 0; }

    MatrixRM readTensor(const std::string& name) const override
    {
        const auto& t = tensor(name);
        if (const auto it = container_->layout().layers.find(name); it != container_->layout().layers.end()) {
            auto Q = decoded(t, it->second);
            return outByIn(std::move(Q), it->second.conv1d);
        }
        return tensorValues(t, container_->bytes(name, t.dtype, t.byteSize()), container_->path());
    }

    MatrixRM readRows(const std::string& name, const std::vector<std::int64_t>& rows) const override
    {
        const auto& t = tensor(name);
        if (container_->layout().layers.count(name)) {
            const auto all = readTensor(name);
            MatrixRM m(Eigen::Index(rows.size()), all.cols());
            for (std::size_t i = 0; i < rows.size(); ++i)
                m.row(Eigen::Index(i)) = all.row(rows[i]);
            return m;
        }
        return tensorRows(t, container_->bytes(name, t.dtype, t.byteSize()), rows, container_->path());
    }

    MatrixRM readLinearWeight(const std::string& name, bool conv1d) const override
    {
        if (const auto it = container_->layout().layers.find(name); it != container_->layout().layers.end())
            return decoded(tensor(name), it->second);
        return outByIn(readTensor(name), conv1d);
    }

private:
    const TensorInfo& tensor(const std::string& name) const
    {
        const auto it = tensors_.find(name);
        if (it == tensors_.end())
            throwBadInput(container_->path(), "tensor " + quoteName(name) + " is missing");
        return it->second;
    }

    // Out x in, rounded to the stored dtype as the hf-peft export stores Q.
    MatrixRM decoded(const TensorInfo& t, const detail::PackedLayer& layer) const
    {
        auto Q = container_->decodeMatrix(t, layer);
        roundTripThrough(t.dtype, Q.data(), std::size_t(Q.size()));
        return Q;
    }

    std::shared_ptr<detail::PackedContainer> container_;
    ModelVariant variant_;
    std::map<std::string, TensorInfo> tensors_;
    json config_;
};

} // namespace

std::unique_ptr<ModelSource> openPackedSource(const std::string& packedFile, ModelVariant variant)
{
    return std::make_unique<PackedSource>(packedFile, variant);
}

} // namespace loftq::model
