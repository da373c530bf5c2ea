#include "architecture.hpp"

#include "loftq/errors.hpp"

#include <cmath>
#include <numbers>

namespace loftq::model {
namespace {

using json = nlohmann::json;

// transformers' activation names (ACT2FN) this forward pass computes.
const std::vector<std::pair<std::string, Activation>>& activationTable()
{
    static const std::vector<std::pair<std::string, Activation>> table{
        {"silu", Activation::Silu},          {"swish", Activation::Silu},
        {"gelu_new", Activation::GeluTanh},  {"gelu_pytorch_tanh", Activation::GeluTanh},
        {"gelu", Activation::GeluErf},       {"relu", Activation::Relu},
    };
    return table;
}

bool isSet(const json& config, const char* key)
{
    return config.contains(key) && !config[key].is_null() && !(config[key].is_boolean() && !config[key].get<bool>());
}

int intKey(const json& config, const std::string& key, const std::string& label, int fallback = -1)
{
    if (!config.contains(key) || config[key].is_null()) {
        if (fallback >= 0)
            return fallback;
        throwBadInput(label, "config key '" + key + "' is missing");
    }
    if (!config[key].is_number_integer() || config[key].get<long>() <= 0 || config[key].get<long>() > (1l << 30))
        throwBadInput(label, "config key '" + key + "' must be a positive integer");
    return config[key].get<int>();
}

bool boolKey(const json& config, const char* key, bool fallback)
{
    return config.contains(key) && config[key].is_boolean() ? config[key].get<bool>() : fallback;
}

double numberKey(const json& object, const std::string& key, const std::string& label, const std::string& where,
                 double fallback = std::nan(""))
{
    if (!object.contains(key) || object[key].is_null()) {
        if (!std::isnan(fallback))
            return fallback;
        throwBadInput(label, "config key '" + where + key + "' is missing");
    }
    if (!object[key].is_number())
        throwBadInput(label, "config key '" + where + key + "' must be a number");
    return object[key].get<double>();
}

// The rope settings in transformers 5's form ({rope_type, rope_theta, ...}), read from
// `rope_parameters` or from the older top-level `rope_theta` + `rope_scaling`, and the key named
// in messages.
std::pair<json, std::string> ropeParameters(const json& config)
{
    if (config.contains("rope_parameters") && config["rope_parameters"].is_object())
        return {config["rope_parameters"], "rope_parameters."};
    json p = json::object();
    if (config.contains("rope_scaling") && config["rope_scaling"].is_object()) {
        p = config["rope_scaling"];
        if (!p.contains("rope_type") && p.contains("type"))
            p["rope_type"] = p["type"];
    }
    if (!p.contains("rope_type"))
        p["rope_type"] = "default";
    if (config.contains("rope_theta"))
        p["rope_theta"] = config["rope_theta"];
    return {p, config.contains("rope_scaling") && config["rope_scaling"].is_object() ? "rope_scaling." : ""};
}

void refuseUnsupportedFeatures(const json& config, const FamilyDescription& family, const std::string& label)
{
    for (const char* key : {"num_local_experts", "num_experts", "n_routed_experts", "moe_intermediate_size"})
        if (isSet(config, key))
            throwBadInput(label, std::string("config key '") + key + "': mixture-of-experts models are not supported");
    for (const char* key : {"attn_logit_softcapping", "final_logit_softcapping"})
        if (isSet(config, key))
            throwBadInput(label, std::string("config key '") + key + "': soft-capping is not supported");
    if (config.contains("layer_types") && config["layer_types"].is_array())
        for (const auto& t : config["layer_types"])
            if (t != "full_attention")
                throwBadInput(label, "config key 'layer_types': only full_attention layers are supported, not " + t.dump());
    if (family.conv1d) {
        if (isSet(config, "scale_attn_by_inverse_layer_idx"))
            throwBadInput(label, "config key 'scale_attn_by_inverse_layer_idx' is not supported");
        if (config.contains("scale_attn_weights") && config["scale_attn_weights"] == false)
            throwBadInput(label, "config key 'scale_attn_weights' false is not supported");
        if (isSet(config, "add_cross_attention"))
            throwBadInput(label, "config key 'add_cross_attention' is not supported");
    }
}

} // namespace

const std::vector<FamilyDescription>& modelFamilies()
{
    static const std::vector<FamilyDescription> families{
        {{"llama", "mistral", "qwen2"},
         "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "rms_norm_eps",
         "max_position_embeddings", "hidden_act",
         "model.embed_tokens", "", "model.layers.", "model.norm", "input_layernorm", "post_attention_layernorm",
         "", "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
         "", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
         NormKind::RMSNorm, PositionScheme::Rotary, false},
        {{"phi3"},
         "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "rms_norm_eps",
         "max_position_embeddings", "hidden_act",
         "model.embed_tokens", "", "model.layers.", "model.norm", "input_layernorm", "post_attention_layernorm",
         "self_attn.qkv_proj", "", "", "", "self_attn.o_proj",
         "mlp.gate_up_proj", "", "", "mlp.down_proj",
         NormKind::RMSNorm, PositionScheme::Rotary, false},
        {{"gpt2"},
         "n_embd", "n_layer", "n_head", "n_inner", "layer_norm_epsilon", "n_positions", "activation_function",
         "transformer.wte", "transformer.wpe", "transformer.h.", "transformer.ln_f", "ln_1", "ln_2",
         "attn.c_attn", "", "", "", "attn.c_proj",
         "", "", "mlp.c_fc", "mlp.c_proj",
         NormKind::LayerNorm, PositionScheme::Learned, true},
    };
    return families;
}

std::string ModelArchitecture::blockModule(int block, const std::string& module) const
{
    return family->blockPrefix + std::to_string(block) + "." + module;
}

std::string ModelArchitecture::blockTensor(int block, const std::string& module, const char* suffix) const
{
    return blockModule(block, module) + suffix;
}

std::vector<std::pair<std::string, long>> ModelArchitecture::shapeFields() const
{
    return {{"hidden size", hidden},   {"layers", layers},     {"attention heads", heads}, {"key/value heads", kvHeads},
            {"head_dim", headDim},     {"intermediate size", intermediate}, {"vocab_size", vocab}};
}

std::vector<float> ropeInverseFrequencies(const json& p, int rotaryDim, const std::string& label)
{
    const std::string type = p.value("rope_type", std::string("default"));
    const double theta = numberKey(p, "rope_theta", label, "", 10000.0);
    // Float32 throughout, as transformers computes them.
    std::vector<float> inv(std::size_t(rotaryDim / 2));
    for (std::size_t i = 0; i < inv.size(); ++i)
        inv[i] = 1.0f / std::pow(float(theta), float(2 * i) / float(rotaryDim));
    if (type == "default")
        return inv;
    if (type != "llama3")
        throwBadInput(label, "rope type '" + type + "' is not supported (config key rope_type; supported: default, llama3)");
    const float factor = float(numberKey(p, "factor", label, "rope_parameters."));
    const float low = float(numberKey(p, "low_freq_factor", label, "rope_parameters."));
    const float high = float(numberKey(p, "high_freq_factor", label, "rope_parameters."));
    const float oldContext = float(numberKey(p, "original_max_position_embeddings", label, "rope_parameters."));
    const float lowWavelen = oldContext / low, highWavelen = oldContext / high;
    for (auto& f : inv) {
        const float wavelen = 2 * float(std::numbers::pi) / f;
        const float scaled = wavelen > lowWavelen ? f / factor : f;
        const float smooth = (oldContext / wavelen - low) / (high - low);
        const bool medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
        f = medium ? (1 - smooth) * scaled / factor + smooth * scaled : scaled;
    }
    return inv;
}

ModelArchitecture describeModel(const json& config, const std::string& label)
{
    if (!config.is_object())
        throwBadInput(label, "no config.json (the forward pass needs the model's configuration)");
    ModelArchitecture a;
    a.modelType = config.value("model_type", std::string());
    for (const auto& f : modelFamilies())
        if (std::find(f.modelTypes.begin(), f.modelTypes.end(), a.modelType) != f.modelTypes.end())
            a.family = &f;
    if (!a.family)
        throwBadInput(label, "config key 'model_type' is '" + a.modelType +
                                 "'; evaluation supports llama, mistral, qwen2, phi3 and gpt2");
    const auto& f = *a.family;
    refuseUnsupportedFeatures(config, f, label);
    a.hidden = intKey(config, f.hiddenKey, label);
    a.layers = intKey(config, f.layersKey, label);
    a.heads = intKey(config, f.headsKey, label);
    a.kvHeads = intKey(config, "num_key_value_heads", label, a.heads);
    a.intermediate = intKey(config, f.intermediateKey, label, 4 * a.hidden);
    a.vocab = intKey(config, "vocab_size", label);
    a.maxPositions = intKey(config, f.maxPositionsKey, label);
    a.eps = numberKey(config, f.epsKey, label, "");
    a.headDim = intKey(config, "head_dim", label, a.hidden / a.heads);
    if (a.heads % a.kvHeads != 0)
        throwBadInput(label, "config key 'num_key_value_heads' must divide num_attention_heads");
    a.activationName = config.value(f.activationKey, std::string("silu"));
    const auto& acts = activationTable();
    const auto act = std::find_if(acts.begin(), acts.end(), [&](const auto& e) { return e.first == a.activationName; });
    if (act == acts.end())
        throwBadInput(label, "config key '" + f.activationKey + "': activation '" + a.activationName + "' is not supported");
    a.activation = act->second;
    a.tiedEmbeddings = boolKey(config, "tie_word_embeddings", true);
    // Qwen2 writes a window it only uses with use_sliding_window; Mistral and Phi-3 use theirs.
    const bool windowed = a.modelType != "qwen2" || boolKey(config, "use_sliding_window", false);
    if (windowed && config.contains("sliding_window") && config["sliding_window"].is_number_integer())
        a.slidingWindow = config["sliding_window"].get<int>();
    if (f.positions == PositionScheme::Rotary) {
        auto [params, where] = ropeParameters(config);
        double partial = numberKey(params, "partial_rotary_factor", label, where,
                                   numberKey(config, "partial_rotary_factor", label, "", 1.0));
        a.rotaryDim = int(a.headDim * partial);
        if (a.rotaryDim <= 0 || a.rotaryDim > a.headDim || a.rotaryDim % 2)
            throwBadInput(label, "config key 'partial_rotary_factor' gives an impossible rotary dimension");
        if (!params.contains("original_max_position_embeddings") && config.contains("original_max_position_embeddings"))
            params["original_max_position_embeddings"] = config["original_max_position_embeddings"];
        a.invFreq = ropeInverseFrequencies(params, a.rotaryDim, label);
    }
    return a;
}

} // namespace loftq::model
