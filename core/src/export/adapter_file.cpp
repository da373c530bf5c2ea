#include "adapter_file.hpp"
#include "adapter_config.hpp"
#include "hf_layout.hpp"

#include <filesystem>

namespace loftq::detail {

void AdapterTensors::add(const QuantizedLayer& q)
{
    const std::string prefix = "base_model.model." + q.layer->modulePath;
    addMatrix(prefix + ".lora_A.weight", *q.exportedA);
    addMatrix(prefix + ".lora_B.weight", *q.exportedB);
}

void AdapterTensors::addMatrix(std::string name, const Eigen::MatrixXf& m)
{
    const MatrixRM rowMajor = m;
    std::vector<std::byte> bytes(std::size_t(rowMajor.size()) * dtypeSize(dtype_));
    fromFloat32(dtype_, rowMajor.data(), bytes.data(), std::size_t(rowMajor.size()));
    tensors_.push_back({std::move(name), rowMajor.rows(), rowMajor.cols(), std::move(bytes)});
}

void AdapterTensors::writeTo(AtomicFile& out) const
{
    std::vector<TensorInfo> infos;
    std::uint64_t offset = 0;
    for (const auto& t : tensors_) {
        TensorInfo info;
        info.name = t.name;
        info.dtype = dtype_;
        info.shape = {t.rows, t.cols};
        info.begin = offset;
        info.end = offset + t.bytes.size();
        offset = info.end;
        infos.push_back(info);
    }
    out.write(serializeSafetensorsHeader(infos, {{"format", "pt"}, {"loftq_workbench", LOFTQ_VERSION}}));
    for (const auto& t : tensors_)
        out.write(t.bytes);
}

void AdapterTensors::stageLoftqInit(StagedFiles& files, const Checkpoint& source, const Plan& plan,
                                    const RunReport& report) const
{
    files.stageText(kAdapterConfigFile, adapterConfigText(source, plan, report, files.folder()));
    auto& model = files.stage(kAdapterModelFile);
    writeTo(model);
    model.finish();
}

std::string adapterConfigText(const Checkpoint& source, const Plan& plan, const RunReport& report,
                              const std::string& folder)
{
    const int rank = plan.defaults.rank;
    const double alpha = plan.alpha.value_or(rank);
    return makeAdapterConfig(source, report, rank, alpha, std::filesystem::absolute(folder).string()).dump(2) + "\n";
}

} // namespace loftq::detail
