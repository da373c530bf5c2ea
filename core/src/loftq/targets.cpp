// Target selection. The default is the LoftQ reference's: every linear weight inside the
// transformer blocks. Recognized by name and shape, so unknown architectures work too.
#include "loftq/targets.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <regex>

namespace loftq {
namespace {

// "layers.3.", "h.3.", "layer.3.", "block.3.", "blocks.3." (llama, gpt2, bert, t5, ...).
const std::regex& blockPattern()
{
    static const std::regex re(R"((^|\.)(layers|layer|h|block|blocks)\.(\d+)\.)");
    return re;
}

// Inside a block, 2-D weights that are not linear maps: norms, embeddings, relative position
// tables (T5's relative_attention_bias is [buckets, heads]).
bool looksLikeNonLinear(const std::string& name)
{
    static const std::array<const char*, 7> parts{"norm", "ln_", "embed", "relative_attention_bias",
                                                  "rel_embeddings", "position", "wte"};
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return std::any_of(parts.begin(), parts.end(), [&](const char* p) { return lower.find(p) != std::string::npos; });
}

// GPT-2-family Conv1D modules store weights [in, out].
bool isConv1d(const Checkpoint& checkpoint, const std::string& role)
{
    static const std::array<const char*, 4> conv1dModels{"gpt2", "imagegpt", "decision_transformer", "gpt2-conv1d"};
    static const std::array<const char*, 4> conv1dRoles{"c_attn", "c_proj", "c_fc", "q_attn"};
    const auto type = checkpoint.modelType();
    const bool model = std::find(conv1dModels.begin(), conv1dModels.end(), type) != conv1dModels.end();
    const bool module = std::find(conv1dRoles.begin(), conv1dRoles.end(), role) != conv1dRoles.end();
    return model && module;
}

bool isTwoDimensionalFloatWeight(const CheckpointTensor& t)
{
    const auto& n = t.info.name;
    return t.info.shape.size() == 2 && isFloatingWeight(t.info.dtype) && n.size() > 7 &&
           n.compare(n.size() - 7, 7, ".weight") == 0 && t.info.shape[0] > 0 && t.info.shape[1] > 0;
}

} // namespace

TensorPlace parseTensorPlace(const std::string& name)
{
    TensorPlace place;
    std::smatch m;
    if (std::regex_search(name, m, blockPattern())) {
        // from_chars, not stoi: a hostile name ("layers.99999999999.") must not throw out_of_range.
        const auto digits = m[3].str();
        int block = -1;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), block);
        if (ec != std::errc() || end != digits.data() + digits.size())
            return place; // not a block index we can use: treated as outside the blocks
        place.block = block;
        const std::string prefix = name.substr(0, std::size_t(m.position(0)));
        if (prefix.find("encoder") != std::string::npos)
            place.stack = "encoder";
        else if (prefix.find("decoder") != std::string::npos)
            place.stack = "decoder";
    }
    return place;
}

LayerDescriptor describeLayer(const Checkpoint& checkpoint, const CheckpointTensor& tensor)
{
    LayerDescriptor d;
    d.tensorName = tensor.info.name;
    d.modulePath = d.tensorName.size() > 7 && d.tensorName.ends_with(".weight")
                       ? d.tensorName.substr(0, d.tensorName.size() - 7)
                       : d.tensorName;
    const auto dot = d.modulePath.rfind('.');
    d.role = dot == std::string::npos ? d.modulePath : d.modulePath.substr(dot + 1);
    d.place = parseTensorPlace(d.tensorName);
    d.dtype = tensor.info.dtype;
    d.conv1d = isConv1d(checkpoint, d.role);
    if (tensor.info.shape.size() == 2) {
        d.outFeatures = d.conv1d ? tensor.info.shape[1] : tensor.info.shape[0];
        d.inFeatures = d.conv1d ? tensor.info.shape[0] : tensor.info.shape[1];
    }
    return d;
}

bool isDefaultTarget(const Checkpoint&, const CheckpointTensor& tensor)
{
    if (!isTwoDimensionalFloatWeight(tensor))
        return false;
    return parseTensorPlace(tensor.info.name).block >= 0 && !looksLikeNonLinear(tensor.info.name);
}

std::vector<LayerDescriptor> selectTargets(const Checkpoint& checkpoint, const std::vector<std::string>& patterns)
{
    std::vector<std::regex> regexes;
    for (const auto& p : patterns) {
        try {
            regexes.emplace_back(p);
        } catch (const std::regex_error& e) {
            throwBadInput("--target " + p, std::string("invalid regular expression (") + e.what() + ")");
        }
    }
    std::vector<LayerDescriptor> targets;
    for (const auto& t : checkpoint.tensors()) {
        const bool selected =
            regexes.empty()
                ? isDefaultTarget(checkpoint, t)
                : isTwoDimensionalFloatWeight(t) && std::any_of(regexes.begin(), regexes.end(), [&](const std::regex& r) {
                      return std::regex_search(t.info.name, r);
                  });
        if (selected)
            targets.push_back(describeLayer(checkpoint, t));
    }
    return targets;
}

} // namespace loftq
