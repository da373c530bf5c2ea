// Writes a synthetic checkpoint with LLaMA-2-7B's exact tensor names, shapes, dtype (bf16) and
// sharding (2 shards, as the published model), for whole-model benchmarks. Weights are 0.02 x an
// approximately Gaussian variate (a sum of four uniform 16-bit draws, fast enough for 6.7 billion
// values); real weights would quantize to different errors but cost the same time.
// usage: make_synthetic_checkpoint OUT_DIR [--layers 32]
#include "loftq/atomic_file.hpp"
#include "loftq/dtype.hpp"
#include "loftq/safetensors.hpp"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using namespace loftq;

namespace {

struct Spec {
    std::string name;
    std::vector<std::int64_t> shape;
    int shard;
};

std::uint64_t splitmix(std::uint64_t& s)
{
    std::uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void writeTensor(AtomicFile& f, const Spec& t, std::uint64_t seed)
{
    const bool norm = t.shape.size() == 1;
    std::uint64_t n = 1;
    for (auto d : t.shape)
        n *= std::uint64_t(d);
    constexpr std::size_t kChunk = 1 << 20;
    std::vector<float> values(kChunk);
    std::vector<std::byte> bytes(kChunk * 2);
    std::uint64_t state = seed;
    for (std::uint64_t done = 0; done < n; done += kChunk) {
        const std::size_t len = std::size_t(std::min<std::uint64_t>(kChunk, n - done));
        for (std::size_t i = 0; i < len; ++i) {
            if (norm) {
                values[i] = 1.0f;
                continue;
            }
            const std::uint64_t r = splitmix(state);
            // Sum of four uniforms on [0, 65535]: mean 131070, std 37837.
            const float g = (float((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48)) - 131070.0f) /
                            37837.0f;
            values[i] = 0.02f * g;
        }
        fromFloat32(DType::BF16, values.data(), bytes.data(), len);
        f.write(std::span<const std::byte>(bytes.data(), len * 2));
    }
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: make_synthetic_checkpoint OUT_DIR [--layers 32]\n");
        return 2;
    }
    const std::filesystem::path out(argv[1]);
    int layers = 32;
    for (int i = 2; i + 1 < argc; ++i)
        if (std::string(argv[i]) == "--layers")
            layers = std::stoi(argv[++i]);
    constexpr std::int64_t hidden = 4096, intermediate = 11008, vocab = 32000;
    // The published checkpoint puts blocks 0..23 and part of 23 in shard 1; we split at block 24.
    const int split = layers * 3 / 4;
    std::vector<Spec> specs{{"model.embed_tokens.weight", {vocab, hidden}, 0}};
    for (int l = 0; l < layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        const int shard = l < split ? 0 : 1;
        for (const char* m : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj"})
            specs.push_back({p + m + ".weight", {hidden, hidden}, shard});
        specs.push_back({p + "mlp.gate_proj.weight", {intermediate, hidden}, shard});
        specs.push_back({p + "mlp.up_proj.weight", {intermediate, hidden}, shard});
        specs.push_back({p + "mlp.down_proj.weight", {hidden, intermediate}, shard});
        specs.push_back({p + "input_layernorm.weight", {hidden}, shard});
        specs.push_back({p + "post_attention_layernorm.weight", {hidden}, shard});
    }
    specs.push_back({"model.norm.weight", {hidden}, 1});
    specs.push_back({"lm_head.weight", {vocab, hidden}, 1});

    std::filesystem::create_directories(out);
    nlohmann::json weightMap = nlohmann::json::object();
    std::uint64_t total = 0;
    for (int shard = 0; shard < 2; ++shard) {
        const std::string file = "model-0000" + std::to_string(shard + 1) + "-of-00002.safetensors";
        std::vector<TensorInfo> infos;
        std::uint64_t offset = 0;
        for (const auto& s : specs)
            if (s.shard == shard) {
                TensorInfo t{s.name, DType::BF16, s.shape, offset, 0};
                t.end = offset + t.elementCount() * 2;
                offset = t.end;
                infos.push_back(t);
                weightMap[s.name] = file;
            }
        total += offset;
        AtomicFile f((out / file).string());
        f.write(serializeSafetensorsHeader(infos, {{"format", "pt"}}));
        std::uint64_t seed = 1000 * std::uint64_t(shard + 1);
        for (const auto& s : specs)
            if (s.shard == shard)
                writeTensor(f, s, ++seed);
        f.commit();
        std::printf("wrote %s (%.2f GB)\n", file.c_str(), double(offset) / 1e9);
    }
    const nlohmann::json index{{"metadata", {{"total_size", total}}}, {"weight_map", weightMap}};
    writeFileAtomically((out / "model.safetensors.index.json").string(), index.dump(2));
    const nlohmann::json config{{"architectures", {"LlamaForCausalLM"}}, {"model_type", "llama"},
                                {"hidden_size", hidden}, {"intermediate_size", intermediate},
                                {"num_hidden_layers", layers}, {"num_attention_heads", 32},
                                {"num_key_value_heads", 32}, {"vocab_size", vocab}, {"rms_norm_eps", 1e-5},
                                {"torch_dtype", "bfloat16"}, {"hidden_act", "silu"},
                                {"max_position_embeddings", 4096}, {"tie_word_embeddings", false}};
    writeFileAtomically((out / "config.json").string(), config.dump(2));
    return 0;
}
