#include "packed_layout.hpp"
#include "loftq/errors.hpp"
#include "loftq/packed_format.hpp"

namespace loftq::detail {

using json = nlohmann::json;

std::string codebookTensorName(QuantMethod method, int bits)
{
    return kPackedCodebookPrefix + std::string(quantMethodName(method)) + std::to_string(bits);
}

json PackedLayout::toJson() const
{
    json j;
    j["hf_peft"] = hf.toJson();
    j["layers"] = json::object();
    for (const auto& [name, l] : layers)
        j["layers"][name] = {{"method", quantMethodName(l.method)},
                             {"bits", l.bits},
                             {"block_size", l.blockSize},
                             {"shape", {l.rows, l.cols}},
                             {"conv1d_transposed", l.conv1d},
                             {"codes", l.codes},
                             {"scales", l.scales},
                             {"codebook", l.codebook}};
    j["files"] = files;
    return j;
}

PackedLayout PackedLayout::fromJson(const json& j, const std::string& label)
{
    PackedLayout layout;
    try {
        layout.hf = HfLayout::fromJson(j.at("hf_peft"), label);
        for (const auto& [name, lj] : j.at("layers").items()) {
            PackedLayer l;
            const auto method = parseQuantMethod(lj.at("method").get<std::string>());
            if (!method)
                throwBadInput(label, "layer '" + name + "' has an unknown quantizer");
            l.method = *method;
            l.bits = lj.at("bits").get<int>();
            l.blockSize = lj.at("block_size").get<int>();
            l.rows = lj.at("shape").at(0).get<std::int64_t>();
            l.cols = lj.at("shape").at(1).get<std::int64_t>();
            l.conv1d = lj.at("conv1d_transposed").get<bool>();
            l.codes = lj.at("codes").get<std::string>();
            l.scales = lj.at("scales").get<std::string>();
            l.codebook = lj.at("codebook").get<std::string>();
            layout.layers[name] = l;
        }
        layout.files = j.at("files").get<std::vector<std::string>>();
    } catch (const json::exception& e) {
        throwBadInput(label, std::string("malformed ") + kPackedLayoutKey + " (" + e.what() + ")");
    }
    return layout;
}

} // namespace loftq::detail
