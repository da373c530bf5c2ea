#include "adapter_config.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

namespace loftq::detail {
namespace {

std::string regexEscape(const std::string& s)
{
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    return std::regex_replace(s, special, R"(\$&)");
}

std::string lastComponent(const std::string& module)
{
    const auto dot = module.rfind('.');
    return dot == std::string::npos ? module : module.substr(dot + 1);
}

} // namespace

std::string peftTaskType(const Checkpoint& source)
{
    for (const auto& arch : source.architectures()) {
        if (arch.ends_with("ForCausalLM") || arch.ends_with("LMHeadModel"))
            return "CAUSAL_LM";
        if (arch.ends_with("ForConditionalGeneration") || arch.ends_with("ForSeq2SeqLM"))
            return "SEQ_2_SEQ_LM";
        if (arch.ends_with("ForSequenceClassification"))
            return "SEQ_CLS";
    }
    return "FEATURE_EXTRACTION";
}

nlohmann::json makeAdapterConfig(const Checkpoint& source, const RunReport& report, int defaultRank,
                                 double defaultAlpha, const std::string& basePath)
{
    std::set<std::string> adapted;
    std::map<std::string, std::set<std::string>> adaptedBySuffix;
    nlohmann::json rankPattern = nlohmann::json::object(), alphaPattern = nlohmann::json::object();
    bool fanInFanOut = false;
    for (const auto& l : report.layers) {
        if (l.status != LayerStatus::Quantized)
            continue;
        adapted.insert(l.layer.modulePath);
        adaptedBySuffix[lastComponent(l.layer.modulePath)].insert(l.layer.modulePath);
        fanInFanOut = fanInFanOut || l.layer.conv1d;
        if (l.rank != defaultRank || l.alpha != defaultAlpha) {
            const auto key = regexEscape(l.layer.modulePath);
            rankPattern[key] = l.rank;
            alphaPattern[key] = l.alpha;
        }
    }
    // A suffix is safe only if every weight of that name in the checkpoint carries an adapter.
    std::map<std::string, std::size_t> weightsBySuffix;
    for (const auto& t : source.tensors())
        if (t.info.name.ends_with(".weight") && t.info.shape.size() == 2)
            ++weightsBySuffix[lastComponent(t.info.name.substr(0, t.info.name.size() - 7))];
    std::vector<std::string> targets;
    for (const auto& [suffix, modules] : adaptedBySuffix) {
        if (weightsBySuffix[suffix] == modules.size())
            targets.push_back(suffix);
        else
            targets.insert(targets.end(), modules.begin(), modules.end());
    }
    nlohmann::json j;
    j["peft_type"] = "LORA";
    j["task_type"] = peftTaskType(source);
    j["r"] = defaultRank;
    j["lora_alpha"] = defaultAlpha;
    j["target_modules"] = targets;
    j["rank_pattern"] = rankPattern;
    j["alpha_pattern"] = alphaPattern;
    // true, not "loftq": the adapters already hold LoftQ's factors; loading must not recompute them.
    j["init_lora_weights"] = true;
    j["fan_in_fan_out"] = fanInFanOut;
    j["bias"] = "none";
    j["lora_dropout"] = 0.0;
    j["use_rslora"] = false;
    j["use_dora"] = false;
    j["modules_to_save"] = nullptr;
    j["inference_mode"] = true;
    j["base_model_name_or_path"] = basePath;
    return j;
}

} // namespace loftq::detail
