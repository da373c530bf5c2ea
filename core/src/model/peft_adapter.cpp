#include "peft_adapter.hpp"

#include "loftq/errors.hpp"
#include "tensor_values.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace loftq::model {
namespace {

using ordered_json = nlohmann::ordered_json;

// PEFT's get_pattern_key: the first key whose `(.*\.)?(KEY)$` matches the whole module path.
const ordered_json* patternValue(const ordered_json& patterns, const std::string& module, const std::string& label)
{
    if (!patterns.is_object())
        return nullptr;
    for (auto it = patterns.begin(); it != patterns.end(); ++it) {
        try {
            if (std::regex_match(module, std::regex("(.*\\.)?(" + it.key() + ")")))
                return &it.value();
        } catch (const std::regex_error&) {
            throwBadInput(label, "pattern " + quoteName(it.key()) + " is not a valid regular expression");
        }
    }
    return nullptr;
}

double positiveNumber(const ordered_json& value, const std::string& what, const std::string& label)
{
    if (!value.is_number() || !(value.get<double>() > 0))
        throwBadInput(label, what + " must be a positive number");
    return value.get<double>();
}

constexpr std::string_view kPrefix = "base_model.model.";

} // namespace

PeftAdapter::PeftAdapter(std::string_view configText, const std::string& configLabel, SafetensorsHeader tensors,
                         TensorBytes bytes, const std::string& tensorsLabel)
    : bytes_(std::move(bytes)), label_(tensorsLabel)
{
    ordered_json config;
    try {
        config = ordered_json::parse(configText);
    } catch (const ordered_json::exception& e) {
        throwBadInput(configLabel, std::string("not valid JSON (") + e.what() + ")");
    }
    if (!config.is_object() || config.value("peft_type", std::string()) != "LORA")
        throwBadInput(configLabel, "not a LoRA adapter config (peft_type must be LORA)");
    if (config.contains("use_dora") && config["use_dora"] == true)
        throwBadInput(configLabel, "config key 'use_dora': DoRA adapters are not supported");
    const double defaultRank = positiveNumber(config.value("r", ordered_json(8)), "r", configLabel);
    const double defaultAlpha = positiveNumber(config.value("lora_alpha", ordered_json(8)), "lora_alpha", configLabel);
    const bool rslora = config.contains("use_rslora") && config["use_rslora"] == true;
    const ordered_json none;
    const auto& ranks = config.contains("rank_pattern") ? config["rank_pattern"] : none;
    const auto& alphas = config.contains("alpha_pattern") ? config["alpha_pattern"] : none;

    std::map<std::string, std::pair<const TensorInfo*, const TensorInfo*>> found;
    for (const auto& t : tensors.tensors) {
        const bool isA = t.name.ends_with(".lora_A.weight"), isB = t.name.ends_with(".lora_B.weight");
        if (!t.name.starts_with(kPrefix) || (!isA && !isB))
            throwBadInput(tensorsLabel, "tensor " + quoteName(t.name) + " is not a LoRA A or B weight");
        const auto module = t.name.substr(kPrefix.size(), t.name.size() - kPrefix.size() - 14);
        (isA ? found[module].first : found[module].second) = &t;
    }
    for (const auto& [module, ab] : found) {
        if (!ab.first || !ab.second)
            throwBadInput(tensorsLabel, "module " + quoteName(module) + " has only one of lora_A and lora_B");
        const auto* rank = patternValue(ranks, module, configLabel);
        const auto* alpha = patternValue(alphas, module, configLabel);
        const double r = rank ? positiveNumber(*rank, "rank_pattern value", configLabel) : defaultRank;
        const double a = alpha ? positiveNumber(*alpha, "alpha_pattern value", configLabel) : defaultAlpha;
        const auto& A = *ab.first;
        const auto& B = *ab.second;
        if (A.shape.size() != 2 || B.shape.size() != 2 || A.shape[0] != std::int64_t(r) || B.shape[1] != std::int64_t(r))
            throwBadInput(tensorsLabel, "adapter of " + quoteName(module) + " does not have rank " +
                                            std::to_string(long(r)) + " as adapter_config.json gives it");
        entries_[module] = {A, B, float(rslora ? a / std::sqrt(r) : a / r)};
    }
}

PeftAdapter PeftAdapter::fromFolder(const std::string& adapterFolder)
{
    const auto configPath = (std::filesystem::path(adapterFolder) / "adapter_config.json").string();
    std::ifstream in(configPath, std::ios::binary);
    if (!in)
        throwBadInput(configPath, "cannot be read");
    std::stringstream text;
    text << in.rdbuf();
    const auto file = SafetensorsFile::open((std::filesystem::path(adapterFolder) / "adapter_model.safetensors").string());
    return PeftAdapter(text.str(), configPath, file->header(),
                       [file](const TensorInfo& t) { return file->data(t); }, file->path());
}

std::optional<LowRankAdapter> PeftAdapter::find(const std::string& modulePath) const
{
    const auto it = entries_.find(modulePath);
    if (it == entries_.end())
        return std::nullopt;
    const auto& e = it->second;
    return LowRankAdapter{tensorValues(e.A, bytes_(e.A), label_), tensorValues(e.B, bytes_(e.B), label_), e.scale};
}

std::vector<std::string> PeftAdapter::modules() const
{
    std::vector<std::string> names;
    for (const auto& [name, entry] : entries_)
        names.push_back(name);
    return names;
}

} // namespace loftq::model
