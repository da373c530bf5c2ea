// The packed low-bit export (docs/packed-format.md): one container with bit-packed codes, float32
// block scales and codebooks for quantized weights, every other tensor as stored, and the files
// the HF + PEFT export would hold, so `loftq unpack` can write that export byte for byte.
#include "adapter_file.hpp"
#include "loftq/export_writer.hpp"
#include "loftq/packed_format.hpp"
#include "packed_layout.hpp"
#include "run_files.hpp"
#include "safetensors_builder.hpp"

#include <filesystem>
#include <optional>

namespace fs = std::filesystem;

namespace loftq {
namespace {

class PackedWriter final : public ExportWriter {
public:
    explicit PackedWriter(std::string outputDir) : files_(std::move(outputDir)) {}

    std::string formatName() const override { return "packed"; }

    void begin(const Checkpoint& source, const Plan& plan, const std::vector<LayerDescriptor>&) override
    {
        source_ = &source;
        plan_ = &plan;
        layout_.hf = detail::HfLayout::of(source);
        adapter_.emplace(plan.adapterDtype);
    }

    std::vector<std::string> plannedFiles() const override { return {kPackedFileName}; }

    void consume(const CheckpointTensor& tensor, const QuantizedLayer* q) override
    {
        if (!container_)
            container_.emplace(files_.folder());
        const auto& name = tensor.info.name;
        if (!q) {
            container_->add(name, tensor.info.dtype, tensor.info.shape, source_->rawBytes(tensor));
            return;
        }
        const auto& p = *q->plan;
        detail::PackedLayer l{p.method, p.bits, p.blockSize, q->layer->outFeatures, q->layer->inFeatures,
                              q->layer->conv1d, kPackedCodesPrefix + name, kPackedScalesPrefix + name,
                              detail::codebookTensorName(p.method, p.bits)};
        const auto& blocks = q->result->quantized;
        const auto packed = packCodes(blocks.codes, p.bits);
        container_->add(l.codes, DType::U8, {std::int64_t(packed.size())}, std::as_bytes(std::span(packed)));
        container_->add(l.scales, DType::F32, {std::int64_t(blocks.scales.size())},
                        std::as_bytes(std::span(blocks.scales)));
        codebooks_.emplace(l.codebook, std::pair(p.method, p.bits));
        layout_.layers[name] = l;
        adapter_->add(*q);
    }

    void finish(const RunReport& report) override
    {
        if (!container_)
            container_.emplace(files_.folder());
        for (const auto& [name, setting] : codebooks_) {
            const auto& table = codebook(setting.first, setting.second);
            container_->add(name, DType::F32, {std::int64_t(table.size())}, std::as_bytes(std::span(table)));
        }
        for (const auto& name : layout_.hf.verbatimFiles)
            embed(name, [&](AtomicFile& f) { detail::appendFileTo((fs::path(source_->directory()) / name).string(), f); });
        // Written for this folder; unpack names its own folder there instead.
        const auto config = detail::adapterConfigText(*source_, *plan_, report, files_.folder());
        embed(detail::kAdapterConfigFile, [&](AtomicFile& f) { f.write(config); });
        embed(detail::kAdapterModelFile, [&](AtomicFile& f) { adapter_->writeTo(f); });
        embed(detail::kReportFile, [&](AtomicFile& f) { f.write(detail::reportFileText(report, *plan_)); });
        embed(detail::kPlanFile, [&](AtomicFile& f) { f.write(detail::planFileText(*plan_)); });
        auto& out = files_.stage(kPackedFileName);
        container_->assembleInto(out, {{"format", kPackedFormatName},
                                       {"loftq_packed_version", std::to_string(kPackedFormatVersion)},
                                       {"loftq_workbench", LOFTQ_VERSION},
                                       {detail::kPackedLayoutKey, layout_.toJson().dump()}});
        out.finish();
        container_.reset();
    }

    void commit() override { files_.commit(); }

private:
    void embed(const std::string& relative, const std::function<void(AtomicFile&)>& write)
    {
        container_->addEmbedded(kPackedFilePrefix + relative, write);
        layout_.files.push_back(relative);
    }

    detail::StagedFiles files_;
    const Checkpoint* source_ = nullptr;
    const Plan* plan_ = nullptr;
    detail::PackedLayout layout_;
    std::map<std::string, std::pair<QuantMethod, int>> codebooks_;
    std::optional<detail::AdapterTensors> adapter_;
    std::optional<detail::SafetensorsBuilder> container_;
};

} // namespace

std::optional<std::string> whyUnsuitableForPacked(const Checkpoint& source, const std::vector<PlannedLayer>&)
{
    for (const auto& t : source.tensors())
        if (t.info.name.starts_with("loftq."))
            return "tensor '" + t.info.name + "' of " + source.shards()[t.shard]->path() +
                   " uses the prefix \"loftq.\" that the packed format reserves";
    return std::nullopt;
}

std::unique_ptr<ExportWriter> makePackedWriter(const std::string& outputDir)
{
    return std::make_unique<PackedWriter>(outputDir);
}

} // namespace loftq
