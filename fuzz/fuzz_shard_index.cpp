// Fuzz target: parseShardIndex, the reader of model.safetensors.index.json.
#include "loftq/errors.hpp"
#include "io/shard_index.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto index = loftq::parseShardIndex(text, "fuzz.index.json");
        // What an accepted index promises: shards named, sorted, distinct, plain file names.
        if (index.shardFiles.empty() || index.weightMap.empty() ||
            !std::is_sorted(index.shardFiles.begin(), index.shardFiles.end()) ||
            std::adjacent_find(index.shardFiles.begin(), index.shardFiles.end()) != index.shardFiles.end())
            std::abort();
        for (const auto& [name, shard] : index.weightMap)
            if (shard.find('/') != std::string::npos || shard == ".." || shard.empty() ||
                !std::binary_search(index.shardFiles.begin(), index.shardFiles.end(), shard))
                std::abort();
    } catch (const loftq::Error& e) {
        const std::string_view message = e.what();
        if (e.kind() != loftq::ErrorKind::BadInput || message.find('\n') != std::string_view::npos ||
            !message.starts_with("fuzz.index.json: ") || message.size() > 5000)
            std::abort();
    }
    return 0;
}
