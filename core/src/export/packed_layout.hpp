#pragma once
// Internal: the "loftq.layout" metadata of a packed container (docs/packed-format.md): the HF +
// PEFT layout it unpacks to, how each quantized weight is stored, and the embedded files.
#include "hf_layout.hpp"
#include "loftq/quantizer.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loftq::detail {

inline constexpr const char* kPackedLayoutKey = "loftq.layout";

struct PackedLayer {
    QuantMethod method = QuantMethod::NormalFloat;
    int bits = 4;
    int blockSize = 64;
    std::int64_t rows = 0, cols = 0; // out x in, the orientation quantized
    bool conv1d = false;              // stored [in, out] in the unpacked export
    std::string codes, scales, codebook; // tensor names in the container
};

struct PackedLayout {
    HfLayout hf;
    std::map<std::string, PackedLayer> layers; // source tensor name -> its packed form
    std::vector<std::string> files;            // embedded files, relative to the export folder

    nlohmann::json toJson() const;
    // Throws Error(BadInput) naming `label`.
    static PackedLayout fromJson(const nlohmann::json& j, const std::string& label);
};

std::string codebookTensorName(QuantMethod method, int bits);

} // namespace loftq::detail
