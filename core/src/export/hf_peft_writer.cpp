// The default export (formats.md): the source's files and sharding mirrored, quantized weights
// replaced by Q in the source dtype, and the LoftQ adapter under loftq_init/.
#include "adapter_config.hpp"
#include "loftq/atomic_file.hpp"
#include "loftq/errors.hpp"
#include "loftq/export_writer.hpp"

#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace loftq {
namespace {

// Files of a Hugging Face folder that are weights (ours are written fresh) or not worth copying.
bool isCopiedThrough(const fs::path& p)
{
    static const std::set<std::string> weightExtensions{".safetensors", ".bin", ".pt", ".pth", ".ckpt",
                                                        ".h5", ".msgpack", ".gguf", ".onnx"};
    const auto name = p.filename().string();
    return !name.starts_with(".") && !weightExtensions.count(p.extension().string()) &&
           name != "model.safetensors.index.json" && name != "pytorch_model.bin.index.json" &&
           !name.starts_with("loftq_");
}

class HfPeftWriter final : public ExportWriter {
public:
    explicit HfPeftWriter(std::string outputDir) : out_(std::move(outputDir)) {}

    std::string formatName() const override { return "hf-peft"; }

    void begin(const Checkpoint& source, const Plan& plan, const std::vector<LayerDescriptor>&) override
    {
        source_ = &source;
        plan_ = &plan;
        for (const auto& shard : source.shards())
            shardNames_.push_back(fs::path(shard->path()).filename().string());
        if (source.isFolder())
            for (const auto& entry : fs::directory_iterator(source.directory()))
                if (entry.is_regular_file() && isCopiedThrough(entry.path()))
                    copied_.push_back(entry.path().filename().string());
    }

    std::vector<std::string> plannedFiles() const override
    {
        std::vector<std::string> files = shardNames_;
        if (source_->isSharded())
            files.push_back("model.safetensors.index.json");
        files.insert(files.end(), copied_.begin(), copied_.end());
        files.push_back("loftq_init/adapter_config.json");
        files.push_back("loftq_init/adapter_model.safetensors");
        return files;
    }

    void consume(const CheckpointTensor& tensor, const QuantizedLayer* q) override
    {
        if (!current_ || currentShard_ != tensor.shard)
            openShard(tensor.shard);
        if (!q) {
            current_->write(source_->rawBytes(tensor));
            return;
        }
        const auto& Q = *q->exportedQ;
        std::vector<std::byte> bytes(tensor.info.byteSize());
        if (q->layer->conv1d) {
            const MatrixRM stored = Q.transpose(); // back to [in, out]
            fromFloat32(tensor.info.dtype, stored.data(), bytes.data(), std::size_t(stored.size()));
        } else {
            fromFloat32(tensor.info.dtype, Q.data(), bytes.data(), std::size_t(Q.size()));
        }
        current_->write(bytes);
        addAdapter(*q);
    }

    void finish(const RunReport& report) override
    {
        closeShard();
        const fs::path dir(out_);
        if (source_->isSharded())
            stageCopy(source_->indexFile(), "model.safetensors.index.json");
        for (const auto& name : copied_)
            stageCopy((fs::path(source_->directory()) / name).string(), name);
        fs::create_directories(dir / "loftq_init");
        const int rank = plan_->defaults.rank;
        const double alpha = plan_->alpha.value_or(rank);
        const auto config = detail::makeAdapterConfig(*source_, report, rank, alpha, fs::absolute(dir).string());
        stageText("loftq_init/adapter_config.json", config.dump(2) + "\n");
        writeAdapterFile();
    }

    void commit() override
    {
        for (auto& f : staged_)
            f->commit();
        staged_.clear();
    }

private:
    void openShard(std::size_t shard)
    {
        closeShard();
        currentShard_ = shard;
        current_ = &stage(shardNames_[shard]);
        auto metadata = source_->shards()[shard]->header().metadata;
        metadata["loftq_workbench"] = LOFTQ_VERSION;
        std::vector<TensorInfo> tensors = source_->shards()[shard]->header().tensors;
        current_->write(serializeSafetensorsHeader(tensors, metadata));
    }

    void closeShard()
    {
        if (current_)
            current_->finish();
        current_ = nullptr;
    }

    AtomicFile& stage(const std::string& relative)
    {
        staged_.push_back(std::make_unique<AtomicFile>((fs::path(out_) / relative).string()));
        return *staged_.back();
    }

    void stageText(const std::string& relative, const std::string& text)
    {
        auto& f = stage(relative);
        f.write(text);
        f.finish();
    }

    void stageCopy(const std::string& from, const std::string& relative)
    {
        std::ifstream in(from, std::ios::binary);
        if (!in)
            throwRuntime(from, "cannot read for copying");
        auto& f = stage(relative);
        std::vector<char> buffer(1 << 20);
        while (in.read(buffer.data(), std::streamsize(buffer.size())) || in.gcount() > 0)
            f.write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(buffer.data()),
                                               std::size_t(in.gcount())));
        f.finish();
    }

    void addAdapter(const QuantizedLayer& q)
    {
        const std::string prefix = "base_model.model." + q.layer->modulePath;
        const auto& A = *q.exportedA;
        const auto& B = *q.exportedB;
        // Row-major bytes: lora_A [r, in], lora_B [out, r].
        adapterTensors_.push_back({prefix + ".lora_A.weight", A.rows(), A.cols(), toBytes(A)});
        adapterTensors_.push_back({prefix + ".lora_B.weight", B.rows(), B.cols(), toBytes(B)});
    }

    std::vector<std::byte> toBytes(const Eigen::MatrixXf& m) const
    {
        const MatrixRM rowMajor = m;
        std::vector<std::byte> bytes(std::size_t(rowMajor.size()) * dtypeSize(plan_->adapterDtype));
        fromFloat32(plan_->adapterDtype, rowMajor.data(), bytes.data(), std::size_t(rowMajor.size()));
        return bytes;
    }

    void writeAdapterFile()
    {
        std::vector<TensorInfo> infos;
        std::uint64_t offset = 0;
        for (const auto& t : adapterTensors_) {
            TensorInfo info;
            info.name = t.name;
            info.dtype = plan_->adapterDtype;
            info.shape = {t.rows, t.cols};
            info.begin = offset;
            info.end = offset + t.bytes.size();
            offset = info.end;
            infos.push_back(info);
        }
        auto& f = stage("loftq_init/adapter_model.safetensors");
        f.write(serializeSafetensorsHeader(infos, {{"format", "pt"}, {"loftq_workbench", LOFTQ_VERSION}}));
        for (const auto& t : adapterTensors_)
            f.write(t.bytes);
        f.finish();
        adapterTensors_.clear();
    }

    struct AdapterTensor {
        std::string name;
        std::int64_t rows, cols;
        std::vector<std::byte> bytes;
    };

    std::string out_;
    const Checkpoint* source_ = nullptr;
    const Plan* plan_ = nullptr;
    std::vector<std::string> shardNames_;
    std::vector<std::string> copied_;
    std::vector<std::unique_ptr<AtomicFile>> staged_;
    AtomicFile* current_ = nullptr;
    std::size_t currentShard_ = 0;
    std::vector<AdapterTensor> adapterTensors_;
};

} // namespace

std::unique_ptr<ExportWriter> makeExportWriter(ExportFormat format, const std::string& outputDir)
{
    switch (format) {
    case ExportFormat::HfPeft: return std::make_unique<HfPeftWriter>(outputDir);
    }
    return nullptr;
}

} // namespace loftq
