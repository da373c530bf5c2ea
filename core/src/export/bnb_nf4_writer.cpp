// bitsandbytes NF4, pre-quantized (docs/packed-format.md): transformers loads it as a 4-bit model without
// re-quantizing. Each quantized module's weight becomes its packed codes (first element in the HIGH
// nibble), absmax, the NF4 table and the quant_state JSON; config.json gains quantization_config;
// every other tensor keeps its source bytes; the adapter is the same loftq_init/ as hf-peft's.
// A quantized module that transformers would not turn into a Linear4bit (its keep-in-fp32 modules,
// or a name an llm_int8_skip_modules entry matches) is written as Q in the source dtype instead, as
// hf-peft writes it, and is listed in llm_int8_skip_modules.
#include "adapter_file.hpp"
#include "hf_layout.hpp"
#include "loftq/export_writer.hpp"
#include "safetensors_builder.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>

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

bool isTwoDimensionalWeight(const TensorInfo& t) { return t.shape.size() == 2 && t.name.ends_with(".weight"); }

// `_keep_in_fp32_modules` of transformers 5.17's models, by model_type. Its bnb 4-bit quantizer adds
// model._keep_in_fp32_modules (the model's and its sub-models') to llm_int8_skip_modules
// (transformers src/transformers/quantizers/quantizer_bnb_4bit.py, _process_model_before_weight_loading),
// so these modules stay nn.Linear whatever config.json says: T5's "wo" never becomes 4-bit.
const std::map<std::string, std::vector<std::string>>& keptInFp32ByModelType()
{
    static const std::map<std::string, std::vector<std::string>> table{
        {"t5", {"wo"}},
        {"mt5", {"wo"}},
        {"umt5", {"wo"}},
        {"udop", {"wo"}},
        {"pop2piano", {"wo"}},
        {"blip-2", {"query_tokens", "qformer"}},
        {"instructblip", {"query_tokens"}},
        {"instructblipvideo", {"query_tokens"}},
        {"deepseek_v32", {"indexer.weights_proj"}},
        {"glm_moe_dsa", {"indexer.weights_proj"}},
        {"axk2", {"indexer.weights_proj"}},
        {"deepseek_v4",
         {"self_attn.compressor.kv_proj", "self_attn.compressor.gate_proj", "self_attn.compressor.indexer.kv_proj",
          "self_attn.compressor.indexer.gate_proj", "self_attn.compressor.indexer.scorer.weights_proj"}},
        {"longcat_flash", {"classifier.weight"}},
        {"gpt_oss", {"post_attention_layernorm", "input_layernorm", "norm"}},
        {"rwkv", {"time_decay", "time_first"}},
    };
    return table;
}

// The model_type of config.json and of its sub-configs (text_config, ...): a composite model
// collects its sub-models' keep-in-fp32 modules.
void collectModelTypes(const json& j, std::vector<std::string>& out, int depth = 0)
{
    if (!j.is_object() || depth > 4)
        return;
    if (const auto it = j.find("model_type"); it != j.end() && it->is_string())
        out.push_back(it->get<std::string>());
    for (const auto& [key, value] : j.items())
        collectModelTypes(value, out, depth + 1);
}

// transformers' should_convert_module (src/transformers/quantizers/quantizers_utils.py): a module is
// left alone when re.match(key, name) (a key's '.' matches any character) or name.endswith(key).
bool leftAloneByTransformers(const std::string& module, const std::vector<std::string>& keys)
{
    auto prefixMatch = [&](const std::string& key) {
        if (module.size() < key.size())
            return false;
        for (std::size_t i = 0; i < key.size(); ++i)
            if (key[i] != '.' && key[i] != module[i])
                return false;
        return true;
    };
    return std::any_of(keys.begin(), keys.end(),
                       [&](const std::string& k) { return prefixMatch(k) || module.ends_with(k); });
}

class BnbNf4Writer final : public ExportWriter {
public:
    explicit BnbNf4Writer(std::string outputDir) : files_(std::move(outputDir)) {}

    std::string formatName() const override { return "bnb-nf4"; }

    void begin(const Checkpoint& source, const Plan& plan, const std::vector<LayerDescriptor>& targets) override
    {
        for (const auto& t : targets) {
            const auto p = plan.resolve(t);
            if (p.quantize && !computeDtype_)
                computeDtype_ = t.dtype;
            if (p.quantize)
                packed_.push_back(moduleOf(t.tensorName));
        }
        const std::set<std::string> planned(packed_.begin(), packed_.end());
        for (const auto& t : source.tensors())
            if (isTwoDimensionalWeight(t.info) && !planned.count(moduleOf(t.info.name)))
                skip(moduleOf(t.info.name));
        if (!planned.count("lm_head"))
            skip("lm_head"); // transformers' own default, which an explicit list replaces
        std::vector<std::string> keys = skip_;
        std::vector<std::string> modelTypes;
        collectModelTypes(source.config(), modelTypes);
        for (const auto& type : modelTypes)
            if (const auto it = keptInFp32ByModelType().find(type); it != keptInFp32ByModelType().end())
                keys.insert(keys.end(), it->second.begin(), it->second.end());
        for (const auto& m : packed_)
            if (leftAloneByTransformers(m, keys))
                storedAsQ_.insert(m);
        for (const auto& m : storedAsQ_)
            skip(m);
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
        if (q && storedAsQ_.count(moduleOf(tensor.info.name))) {
            shard_->add(tensor.info.name, tensor.info.dtype, tensor.info.shape,
                        detail::storedWeightBytes(*q->exportedQ, q->layer->conv1d, tensor.info.dtype));
            adapter_->add(*q);
        } else if (q) {
            addQuantized(tensor, *q);
            adapter_->add(*q);
        } else {
            shard_->add(tensor.info.name, tensor.info.dtype, tensor.info.shape, source_->rawBytes(tensor));
            if (isTwoDimensionalWeight(tensor.info))
                skip(moduleOf(tensor.info.name)); // a target the run left unquantized (NaN, ...)
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

    void skip(const std::string& module)
    {
        if (skipped_.insert(module).second)
            skip_.push_back(module);
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
        config["quantization_config"] = {
            {"quant_method", "bitsandbytes"},
            {"load_in_4bit", true},
            {"load_in_8bit", false},
            {"bnb_4bit_quant_type", "nf4"},
            {"bnb_4bit_use_double_quant", false}, // double quantization would change Q
            {"bnb_4bit_compute_dtype", torchDtypeName(computeDtype_.value_or(DType::F32))},
            {"bnb_4bit_quant_storage", "uint8"},
            // Modules not written 4-bit (non-targets, kept layers, modules transformers keeps nn.Linear)
            // must not be turned into 4-bit ones.
            {"llm_int8_skip_modules", skip_},
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
    std::vector<std::string> packed_;   // modules planned 4-bit, in checkpoint order
    std::set<std::string> storedAsQ_;   // ... of which transformers would leave these nn.Linear
    std::vector<std::string> skip_;     // llm_int8_skip_modules, in order
    std::set<std::string> skipped_;
    std::uint64_t totalSize_ = 0;
};

} // namespace

std::optional<std::string> whyUnsuitableForBnbNf4(const Checkpoint&, const std::vector<PlannedLayer>& layers)
{
    for (const auto& [t, p] : layers) {
        if (p.quantize && (p.method != QuantMethod::NormalFloat || p.bits != 4 || p.blockSize != kBnbBlockSize))
            return "layer '" + t.tensorName + "' is planned as " + std::string(quantMethodName(p.method)) +
                   std::to_string(p.bits) + " with block " + std::to_string(p.blockSize) +
                   "; bitsandbytes NF4 needs every quantized layer nf, 4 bits, block 64 (or kept unquantized)";
        if (p.quantize && t.dtype == DType::F64)
            return "layer '" + t.tensorName +
                   "' is float64; bitsandbytes 4-bit holds float32, float16 and bfloat16 weights only (keep the "
                   "layer, or convert the checkpoint)";
    }
    return std::nullopt;
}

std::unique_ptr<ExportWriter> makeBnbNf4Writer(const std::string& outputDir)
{
    return std::make_unique<BnbNf4Writer>(outputDir);
}

} // namespace loftq
