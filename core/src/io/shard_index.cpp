// Parsing model.safetensors.index.json. The text may be hostile: every rejection names the file.
#include "io/shard_index.hpp"
#include "loftq/errors.hpp"

#include <nlohmann/json.hpp>
#include <set>

namespace loftq {
namespace {

// Real indexes nest three deep (root, weight_map or metadata, values).
constexpr int kMaxJsonDepth = 16;

// A shard must be a file beside the index: no folders, no way out of the checkpoint folder.
bool isPlainFileName(const std::string& name)
{
    if (name.empty() || name == "." || name == "..")
        return false;
    for (const char ch : name) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '/' || ch == '\\' || c < 0x20 || c == 0x7f)
            return false;
    }
    return true;
}

} // namespace

ShardIndex parseShardIndex(std::string_view text, const std::string& label)
{
    if (!isValidUtf8(text))
        throwBadInput(label, "index is not valid UTF-8");
    // nlohmann keeps the last of duplicate keys; a tensor listed twice (or two weight_maps) must be refused.
    std::set<std::string> topKeys, weightKeys;
    bool inWeightMap = false;
    auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth)
            throwBadInput(label, "index JSON is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
        if (event != E::key)
            return true;
        const auto& key = parsed.get_ref<const std::string&>();
        if (depth == 1) {
            if (!topKeys.insert(key).second)
                throwBadInput(label, "key " + quoteName(key) + " appears twice in the index");
            inWeightMap = key == "weight_map";
        } else if (depth == 2 && inWeightMap && !weightKeys.insert(key).second) {
            throwBadInput(label, "tensor " + quoteName(key) + " is listed twice in weight_map");
        }
        return true;
    };
    nlohmann::json index;
    try {
        index = nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(label, std::string("index is not valid JSON (") + e.what() + ")");
    }
    if (!index.is_object())
        throwBadInput(label, "index JSON is not an object");
    const auto weightMap = index.find("weight_map");
    if (weightMap == index.end())
        throwBadInput(label, "index has no \"weight_map\"");
    if (!weightMap->is_object())
        throwBadInput(label, "\"weight_map\" is not an object");
    ShardIndex out;
    std::set<std::string> shards;
    for (const auto& [name, shard] : weightMap->items()) {
        if (!shard.is_string() || !isPlainFileName(shard.get_ref<const std::string&>()))
            throwBadInput(label, "weight_map entry for " + quoteName(name) + " is not a shard file name in this folder");
        out.weightMap[name] = shard.get<std::string>();
        shards.insert(shard.get<std::string>());
    }
    if (shards.empty())
        throwBadInput(label, "weight_map is empty");
    out.shardFiles.assign(shards.begin(), shards.end());
    return out;
}

} // namespace loftq
