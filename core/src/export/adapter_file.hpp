#pragma once
// Internal: loftq_init/ of an export (docs/formats.md): adapter_model.safetensors with lora_A [r, in]
// and lora_B [out, r] per layer, and adapter_config.json. Every export format carries the same.
#include "loftq/atomic_file.hpp"
#include "loftq/export_writer.hpp"
#include "staged_files.hpp"

#include <string>
#include <vector>

namespace loftq::detail {

class AdapterTensors {
public:
    explicit AdapterTensors(DType dtype) : dtype_(dtype) {}
    // The layer's exported (scaled, rounded) A and B.
    void add(const QuantizedLayer& q);
    // The whole adapter_model.safetensors.
    void writeTo(AtomicFile& out) const;
    // loftq_init/ of an export in files.folder(): adapter_config.json and adapter_model.safetensors.
    void stageLoftqInit(StagedFiles& files, const Checkpoint& source, const Plan& plan, const RunReport& report) const;

private:
    struct Tensor {
        std::string name;
        std::int64_t rows, cols;
        std::vector<std::byte> bytes;
    };
    void addMatrix(std::string name, const Eigen::MatrixXf& m);
    DType dtype_;
    std::vector<Tensor> tensors_;
};

// adapter_config.json as an export in `folder` writes it (base_model_name_or_path names the folder).
std::string adapterConfigText(const Checkpoint& source, const Plan& plan, const RunReport& report,
                              const std::string& folder);

} // namespace loftq::detail
