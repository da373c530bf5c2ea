// The default export (docs/formats.md): the source's files and sharding mirrored, quantized weights
// replaced by Q in the source dtype, and the LoftQ adapter under loftq_init/.
#include "adapter_file.hpp"
#include "hf_layout.hpp"
#include "loftq/export_writer.hpp"

#include <filesystem>

namespace fs = std::filesystem;

namespace loftq {
namespace {

class HfPeftWriter final : public ExportWriter {
public:
    explicit HfPeftWriter(std::string outputDir) : files_(std::move(outputDir)) {}

    std::string formatName() const override { return "hf-peft"; }

    void begin(const Checkpoint& source, const Plan& plan, const std::vector<LayerDescriptor>&) override
    {
        source_ = &source;
        plan_ = &plan;
        layout_ = detail::HfLayout::of(source);
        adapter_.emplace(plan.adapterDtype);
    }

    std::vector<std::string> plannedFiles() const override { return layout_.plannedFiles(); }

    void consume(const CheckpointTensor& tensor, const QuantizedLayer* q) override
    {
        if (!current_ || currentShard_ != tensor.shard)
            openShard(tensor.shard);
        if (!q) {
            current_->write(source_->rawBytes(tensor));
            return;
        }
        detail::forEachStoredWeightPart(*q->exportedQ, q->layer->conv1d, tensor.info.dtype,
                                        [this](std::span<const std::byte> part) { current_->write(part); });
        adapter_->add(*q);
    }

    void finish(const RunReport& report) override
    {
        closeShard();
        for (const auto& name : layout_.verbatimFiles)
            files_.stageCopy((fs::path(source_->directory()) / name).string(), name);
        adapter_->stageLoftqInit(files_, *source_, *plan_, report);
    }

    void commit() override { files_.commit(); }

private:
    void openShard(std::size_t shard)
    {
        closeShard();
        currentShard_ = shard;
        current_ = &layout_.shards[shard].stageWithHeader(files_);
    }

    void closeShard()
    {
        if (current_)
            current_->finish();
        current_ = nullptr;
    }

    detail::StagedFiles files_;
    const Checkpoint* source_ = nullptr;
    const Plan* plan_ = nullptr;
    detail::HfLayout layout_;
    std::optional<detail::AdapterTensors> adapter_;
    AtomicFile* current_ = nullptr;
    std::size_t currentShard_ = 0;
};

} // namespace

std::unique_ptr<ExportWriter> makeHfPeftWriter(const std::string& outputDir)
{
    return std::make_unique<HfPeftWriter>(outputDir);
}

} // namespace loftq
