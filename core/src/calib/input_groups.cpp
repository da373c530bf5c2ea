// Which targets read the same input: one table of sibling roles under one parent module.
#include "loftq/calib_stats.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace loftq {
namespace {

// Roles that are separate linears over the same input. Fused modules (GPT-2 c_attn, Phi-3
// qkv_proj and gate_up_proj, Falcon query_key_value) are one target and need no entry.
const std::array<std::vector<std::string_view>, 6> kSharedInputs = {{
    {"q_proj", "k_proj", "v_proj"}, // llama, mistral, qwen2, bart self-attention
    {"gate_proj", "up_proj"},       // llama-style MLPs
    {"query", "key", "value"},      // bert, deberta
    {"q", "k", "v"},                // t5
    {"w1", "w3"},                   // mixtral-style experts
    {"wi_0", "wi_1"},               // t5 gated MLP
}};

// In cross-attention the query reads the decoder and the keys and values read the encoder.
const std::array<std::string_view, 3> kCrossAttention = {"encoder_attn", "EncDecAttention", "crossattention"};
const std::array<std::string_view, 3> kQueryRoles = {"q_proj", "query", "q"};

template <typename List>
bool contains(const List& list, std::string_view item)
{
    return std::find(list.begin(), list.end(), item) != list.end();
}

} // namespace

std::string calibrationInputName(const LayerDescriptor& layer)
{
    const auto dot = layer.modulePath.rfind('.');
    if (dot == std::string::npos)
        return layer.modulePath;
    const std::string parent = layer.modulePath.substr(0, dot);
    const std::string_view parentRole = std::string_view(parent).substr(parent.rfind('.') + 1);
    const bool cross = contains(kCrossAttention, parentRole);
    for (const auto& group : kSharedInputs) {
        if (!contains(group, layer.role))
            continue;
        if (cross && contains(kQueryRoles, layer.role))
            return layer.modulePath;
        std::string name = parent + ".";
        bool first = true;
        for (auto role : group) {
            if (cross && contains(kQueryRoles, role))
                continue;
            name += (first ? "" : "+") + std::string(role);
            first = false;
        }
        return name;
    }
    return layer.modulePath;
}

} // namespace loftq
