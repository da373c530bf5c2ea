#pragma once
// The index of a sharded Hugging Face checkpoint (model.safetensors.index.json): which shard file
// holds each tensor. Parsed from text so it can be tested and fuzzed without files.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

struct ShardIndex {
    std::map<std::string, std::string> weightMap; // tensor name -> shard file name (no folder)
    std::vector<std::string> shardFiles;          // distinct shard file names, sorted
};

// Throws Error(BadInput) naming `label` when the text is not UTF-8 JSON, is not an object, has no
// non-empty "weight_map" object, lists a tensor twice, or names a shard that is not a plain file
// name in the same folder.
ShardIndex parseShardIndex(std::string_view text, const std::string& label);

} // namespace loftq
