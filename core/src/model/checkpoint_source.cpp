// Weights from a Hugging Face folder: an original checkpoint, an hf-peft export (its loftq_init/
// adapter applied in the full variant) or a bnb-nf4 export (4-bit weights decoded as bitsandbytes'
// CUDA kernel does: quant_map[code] * absmax in float32, rounded to the compute dtype).
#include "model_sources.hpp"

#include "loftq/errors.hpp"
#include "io/page_release.hpp"
#include "tensor_values.hpp"

#include <filesystem>

namespace loftq::model {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

constexpr const char* kQuantStateSuffix = ".quant_state.bitsandbytes__nf4";

class CheckpointSource final : public AdaptedSource {
public:
    CheckpointSource(Checkpoint checkpoint, ModelVariant variant) : cp_(std::move(checkpoint)), variant_(variant)
    {
        const auto adapterFolder = fs::path(cp_.directory()) / "loftq_init";
        if (variant_ == ModelVariant::Full && cp_.isFolder() && fs::exists(adapterFolder / "adapter_config.json"))
            adapter_.emplace(PeftAdapter::fromFolder(adapterFolder.string()));
        const auto& config = cp_.config();
        if (config.is_object() && config.contains("quantization_config")) {
            const auto& q = config["quantization_config"];
            if (!q.is_object() || q.value("quant_method", std::string()) != "bitsandbytes" ||
                q.value("bnb_4bit_quant_type", std::string()) != "nf4" || q.value("bnb_4bit_use_double_quant", false))
                throwBadInput(configLabel(), "config key 'quantization_config': only bitsandbytes NF4 without double "
                                             "quantization is supported");
        }
    }

    const json& config() const override { return cp_.config(); }
    std::string label() const override
    {
        return cp_.path() + (adapter_ ? " (backbone + adapter)" : variant_ == ModelVariant::Backbone ? " (backbone)" : "");
    }
    std::string tokenizerFolder() const override { return cp_.directory(); }
    bool hasTensor(const std::string& name) const override { return cp_.find(name) != nullptr; }

    MatrixRM readTensor(const std::string& name) const override
    {
        const auto& t = tensor(name);
        const auto bytes = cp_.rawBytes(t);
        auto m = tensorValues(t.info, bytes, shardLabel(t));
        releaseMappedPages(bytes);
        return m;
    }

    MatrixRM readRows(const std::string& name, const std::vector<std::int64_t>& rows) const override
    {
        const auto& t = tensor(name);
        return tensorRows(t.info, cp_.rawBytes(t), rows, shardLabel(t));
    }

    MatrixRM readLinearWeight(const std::string& name, bool conv1d) const override
    {
        if (const auto* state = cp_.find(name + kQuantStateSuffix))
            return decodeNf4(name, *state);
        return outByIn(readTensor(name), conv1d);
    }

private:
    std::string configLabel() const { return (fs::path(cp_.directory()) / "config.json").string(); }
    std::string shardLabel(const CheckpointTensor& t) const { return cp_.shards()[t.shard]->path(); }

    const CheckpointTensor& tensor(const std::string& name) const
    {
        const auto* t = cp_.find(name);
        if (!t)
            throwBadInput(cp_.path(), "tensor " + quoteName(name) + " is missing");
        return *t;
    }

    // bitsandbytes' layout (docs/packed-format.md): two codes per byte, the first in the high nibble.
    MatrixRM decodeNf4(const std::string& name, const CheckpointTensor& stateTensor) const
    {
        const auto label = shardLabel(stateTensor);
        const auto stateBytes = cp_.rawBytes(stateTensor);
        json state;
        try {
            state = json::parse(std::string(reinterpret_cast<const char*>(stateBytes.data()), stateBytes.size()));
        } catch (const json::exception& e) {
            throwBadInput(label, "quant state of " + quoteName(name) + " is not valid JSON (" + e.what() + ")");
        }
        const auto dtype = parseDType(state.value("dtype", std::string()) == "bfloat16" ? "BF16"
                                      : state.value("dtype", std::string()) == "float16" ? "F16"
                                      : state.value("dtype", std::string()) == "float32" ? "F32" : "");
        const auto shape = state.value("shape", std::vector<std::int64_t>{});
        const long block = state.value("blocksize", 0l);
        if (!dtype || shape.size() != 2 || shape[0] <= 0 || shape[1] <= 0 || block <= 0 ||
            state.value("quant_type", std::string()) != "nf4")
            throwBadInput(label, "quant state of " + quoteName(name) + " is not NF4 with a dtype, shape and block size");
        const auto n = std::uint64_t(shape[0]) * std::uint64_t(shape[1]);
        const auto& codes = tensor(name);
        const auto absmax = readTensor(name + ".absmax");
        const auto table = readTensor(name + ".quant_map");
        if (codes.info.dtype != DType::U8 || codes.info.byteSize() != (n + 1) / 2 || table.size() != 16 ||
            std::uint64_t(absmax.size()) != (n + std::uint64_t(block) - 1) / std::uint64_t(block))
            throwBadInput(label, "4-bit weight " + quoteName(name) + " does not match its quant state");
        const auto packed = cp_.rawBytes(codes);
        MatrixRM Q(shape[0], shape[1]);
        float* q = Q.data();
        for (std::uint64_t i = 0; i < n; ++i) {
            const auto byte = std::to_integer<unsigned>(packed[i / 2]);
            const unsigned code = i % 2 ? byte & 0xF : byte >> 4;
            q[i] = table.data()[code] * absmax.data()[i / std::uint64_t(block)];
        }
        roundTripThrough(*dtype, Q.data(), std::size_t(Q.size()));
        releaseMappedPages(packed);
        return Q;
    }

    Checkpoint cp_;
    ModelVariant variant_;
};

} // namespace

std::unique_ptr<ModelSource> openCheckpointSource(const std::string& path, ModelVariant variant)
{
    return std::make_unique<CheckpointSource>(Checkpoint::open(path), variant);
}

} // namespace loftq::model
