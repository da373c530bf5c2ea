// bitsandbytes NF4, pre-quantized (formats.md): transformers loads it as a 4-bit model without
// re-quantizing. Each quantized module's weight becomes its packed codes (first element in the HIGH
// nibble), absmax, the NF4 table and the quant_state JSON; config.json gains quantization_config;
// every other tensor keeps its source bytes; the adapter is the same loftq_init/ as hf-peft's.
#include "adapter_file.hpp"
#include "hf_layout.hpp"
#include "loftq/errors.hpp"
#include "loftq/export_writer.hpp"
#include "safetensors_builder.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

namespace fs = std::filesystem;

namespace loftq {
namespace {

using json = nlohmann::json;

constexpr int kBnbBlockSize = 64;

// torch's name of a dtype, as transformers reads bnb_4bit_compute_dtype and bitsandbytes the
// quant_state's "dtype".
std::string torchDtypeName(DType t)
{
    switch (t) {
    case DType::F64: return "float64";
    case DType::F32: return "float32";
    case DType::F16: return "float16";
    case DType::BF16: return "bfloat16";
    default: return std::string(dtypeName(t));
    }
}

template <typename T>
std::span<const std::byte> asBytes(const std::vector<T>& v)
{
    return std::as_bytes(std::span<const T>(v));
}

std::string moduleOf(const std::string& tensorName)
{
    return tensorName.ends_with(".weight") ? tensorName.substr(0, tensorName.size() - 7) : tensorName;
}

class BnbNf4Writer final : public ExportWriter {
public:
    explicit BnbNf4Writer(std::string outputDir) : files_(std::move(outputDir)) {}

    std::string formatName() const override { return "bnb-nf4"; }

    void begin(const Checkpoint& source, const Plan& plan, const std::vector<LayerDescriptor>& targets) override
    {
        for (const auto& t : targets) {
            const auto p = plan.resolve(t);
            if (p.quantize && (p.method != QuantMethod::NormalFloat || p.bits != 4 || p.blockSize != kBnbBlockSize))
                throwBadInput("--format bnb-nf4", "layer '" + t.tensorName + "' is planned as " +
                                                      std::string(quantMethodName(p.method)) + std::to_string(p.bits) +
                                                      " with block " + std::to_string(p.blockSize) +
                                                      "; bitsandbytes NF4 needs every quantized layer nf, 4 bits, "
                                                      "block 64 (or kept unquantized)");
            if (p.quantize && !computeDtype_)
                computeDtype_ = t.dtype;
        }
        source_ = &source;
        plan_ = &plan;
        layout_ = detail::HfLayout::of(source);
        adapter_.emplace(plan.adapterDtype);
    }

    std::vector<std::string> plannedFiles() const override
    {
        auto files = layout_.plannedFiles();
        if (std::find(files.begin(), files.end(), "config.json") == files.end())
            files.insert(files.begin() + std::ptrdiff_t(layout_.shards.size()), "config.json");
        return files;
    }

    void consume(const CheckpointTensor& tensor, const QuantizedLayer* q) override
    {
        if (!shard_ || currentShard_ != tensor.shard) {
            closeShard();
            currentShard_ = tensor.shard;
            shard_.emplace(files_.folder());
        }
        const auto before = shard_->tensors().size();
        if (q) {
            addQuantized(tensor, *q);
            adapter_->add(*q);
        } else {
            shard_->add(tensor.info.name, tensor.info.dtype, tensor.info.shape, source_->rawBytes(tensor));
            if (tensor.info.shape.size() == 2 && tensor.info.name.ends_with(".weight"))
                unquantizedModules_.push_back(moduleOf(tensor.info.name));
        }
        for (auto i = before; i < shard_->tensors().size(); ++i)
            weightMap_[shard_->tensors()[i].name] = layout_.shards[currentShard_].file;
    }

    void finish(const RunReport& report) override
    {
        closeShard();
        for (const auto& name : layout_.verbatimFiles)
            if (name != "config.json" && name != "model.safetensors.index.json")
                files_.stageCopy((fs::path(source_->directory()) / name).string(), name);
        files_.stageText("config.json", configWithQuantization().dump(2) + "\n");
        if (source_->isSharded())
            files_.stageText("model.safetensors.index.json", shardIndex().dump(2) + "\n");
        adapter_->stageLoftqInit(files_, *source_, *plan_, report);
    }

    void commit() override { files_.commit(); }

private:
    void addQuantized(const CheckpointTensor& tensor, const QuantizedLayer& q)
    {
        const auto& codes = q.result->quantized.codes;
        std::vector<std::uint8_t> packed((codes.size() + 1) / 2, 0);
        for (std::size_t i = 0; i < codes.size(); ++i)
            packed[i / 2] |= std::uint8_t(i % 2 == 0 ? codes[i] << 4 : codes[i]); // first element high
        const auto& name = tensor.info.name;
        shard_->add(name, DType::U8, {std::int64_t(packed.size()), 1}, asBytes(packed));
        const auto& absmax = q.result->quantized.scales;
        shard_->add(name + ".absmax", DType::F32, {std::int64_t(absmax.size())}, asBytes(absmax));
        const auto& table = codebook(QuantMethod::NormalFloat, 4);
        shard_->add(name + ".quant_map", DType::F32, {std::int64_t(table.size())}, asBytes(table));
        // The JSON exactly as bitsandbytes' pack_dict_to_tensor writes it (Python json.dumps).
        const std::string state = R"({"quant_type": "nf4", "blocksize": 64, "dtype": ")" +
                                  torchDtypeName(tensor.info.dtype) + R"(", "shape": [)" +
                                  std::to_string(q.layer->outFeatures) + ", " + std::to_string(q.layer->inFeatures) +
                                  "]}";
        shard_->add(name + ".quant_state.bitsandbytes__nf4", DType::U8, {std::int64_t(state.size())},
                    std::as_bytes(std::span<const char>(state)));
    }

    void closeShard()
    {
        if (!shard_)
            return;
        const auto& layout = layout_.shards[currentShard_];
        auto& out = files_.stage(layout.file);
        shard_->assembleInto(out, layout.metadata);
        out.finish();
        for (const auto& t : shard_->tensors())
            totalSize_ += t.byteSize();
        shard_.reset();
    }

    json configWithQuantization() const
    {
        json config = source_->config().is_object() ? source_->config() : json::object();
        std::vector<std::string> skip = unquantizedModules_;
        if (std::find(skip.begin(), skip.end(), "lm_head") == skip.end())
            skip.push_back("lm_head"); // transformers' own default, which an explicit list replaces
        config["quantization_config"] = {
            {"quant_method", "bitsandbytes"},
            {"load_in_4bit", true},
            {"load_in_8bit", false},
            {"bnb_4bit_quant_type", "nf4"},
            {"bnb_4bit_use_double_quant", false}, // double quantization would change Q
            {"bnb_4bit_compute_dtype", torchDtypeName(computeDtype_.value_or(DType::F32))},
            {"bnb_4bit_quant_storage", "uint8"},
            // Modules left unquantized (non-targets, kept layers) must not be turned into 4-bit ones.
            {"llm_int8_skip_modules", skip},
            {"llm_int8_threshold", 6.0},
            {"llm_int8_has_fp16_weight", false},
            {"llm_int8_enable_fp32_cpu_offload", false}};
        return config;
    }

    json shardIndex() const
    {
        json index;
        std::ifstream in(source_->indexFile());
        try {
            index = json::parse(in);
        } catch (const json::exception&) {
            index = json::object(); // the checkpoint reader validated it; keep going with a fresh one
        }
        if (!index.contains("metadata") || !index["metadata"].is_object())
            index["metadata"] = json::object();
        index["metadata"]["total_size"] = totalSize_;
        index["metadata"].erase("total_parameters"); // the source's count; the packed weights differ
        index["weight_map"] = weightMap_;
        return index;
    }

    detail::StagedFiles files_;
    const Checkpoint* source_ = nullptr;
    const Plan* plan_ = nullptr;
    detail::HfLayout layout_;
    std::optional<DType> computeDtype_;
    std::optional<detail::AdapterTensors> adapter_;
    std::optional<detail::SafetensorsBuilder> shard_;
    std::size_t currentShard_ = 0;
    std::map<std::string, std::string> weightMap_;
    std::vector<std::string> unquantizedModules_;
    std::uint64_t totalSize_ = 0;
};

} // namespace

std::unique_ptr<ExportWriter> makeBnbNf4Writer(const std::string& outputDir)
{
    return std::make_unique<BnbNf4Writer>(outputDir);
}

} // namespace loftq
