#include "packed_container.hpp"

#include "hf_layout.hpp"
#include "loftq/errors.hpp"
#include "loftq/packed_format.hpp"

#include <algorithm>
#include <cstring>

namespace loftq::detail {

using json = nlohmann::json;

PackedContainer::PackedContainer(const std::string& path) : file_(Checkpoint::open(path)), label_(path)
{
    const auto& metadata = file_.shards().front()->header().metadata;
    const auto format = metadata.find("format");
    if (format == metadata.end() || format->second != kPackedFormatName)
        throwBadInput(path, "is not a packed LoftQ export (no \"format\": \"loftq-packed\" in its metadata)");
    const auto version = metadata.find("loftq_packed_version");
    if (version == metadata.end() || version->second != std::to_string(kPackedFormatVersion))
        throwBadInput(path, "packed format version " +
                                (version == metadata.end() ? std::string("(none)") : version->second) +
                                " is not the one this build reads (" + std::to_string(kPackedFormatVersion) + ")");
    const auto layout = metadata.find(kPackedLayoutKey);
    json j;
    try {
        j = json::parse(layout == metadata.end() ? std::string() : layout->second);
    } catch (const json::exception& e) {
        throwBadInput(path, std::string("metadata ") + kPackedLayoutKey + " is not valid JSON (" + e.what() + ")");
    }
    layout_ = PackedLayout::fromJson(j, path);
}

std::span<const std::byte> PackedContainer::bytes(const std::string& name, DType dtype, std::uint64_t byteSize) const
{
    const auto* t = file_.find(name);
    if (!t)
        throwBadInput(label_, "tensor '" + name + "' is missing");
    if (t->info.dtype != dtype || t->info.byteSize() != byteSize)
        throwBadInput(label_, "tensor '" + name + "' is " + std::string(dtypeName(t->info.dtype)) + " of " +
                                  std::to_string(t->info.byteSize()) + " bytes; expected " +
                                  std::string(dtypeName(dtype)) + " of " + std::to_string(byteSize));
    return file_.rawBytes(*t);
}

std::span<const std::byte> PackedContainer::embeddedFile(const std::string& relative) const
{
    const auto* t = file_.find(kPackedFilePrefix + relative);
    if (!t || t->info.dtype != DType::U8)
        throwBadInput(label_, "embedded file '" + relative + "' is missing");
    return file_.rawBytes(*t);
}

PackedContainer::PackedWeight PackedContainer::packedWeight(const TensorInfo& stored, const PackedLayer& l) const
{
    PackedWeight w{{l.method, l.bits, l.blockSize}, std::uint64_t(l.rows) * std::uint64_t(l.cols), {}, {}};
    if (l.rows <= 0 || l.cols <= 0 || w.count != stored.elementCount() || !isFloatingWeight(stored.dtype) ||
        !checkQuantizable(w.spec, w.count).empty())
        throwBadInput(label_, "layer '" + stored.name + "' has an impossible setting or shape");
    const auto& table = codebook(l.method, l.bits);
    const auto storedTable = bytes(l.codebook, DType::F32, table.size() * sizeof(float));
    if (!std::equal(storedTable.begin(), storedTable.end(), std::as_bytes(std::span(table)).begin()))
        throwBadInput(label_, "codebook '" + l.codebook + "' differs from this engine's " +
                                  std::string(quantMethodName(l.method)) + std::to_string(l.bits) + " table");
    w.codes = bytes(l.codes, DType::U8, packedCodeBytes(w.count, l.bits));
    w.scales = bytes(l.scales, DType::F32, w.count / std::uint64_t(l.blockSize) * sizeof(float));
    return w;
}

MatrixRM PackedContainer::decodeMatrix(const TensorInfo& stored, const PackedLayer& l) const
{
    const auto w = packedWeight(stored, l);
    QuantizedBlocks blocks;
    blocks.codes = unpackCodes({reinterpret_cast<const std::uint8_t*>(w.codes.data()), w.codes.size()}, l.bits, w.count);
    blocks.scales.resize(w.scales.size() / sizeof(float));
    std::memcpy(blocks.scales.data(), w.scales.data(), w.scales.size());
    MatrixRM Q(l.rows, l.cols);
    dequantizeBlockwise(w.spec, blocks, {Q.data(), std::size_t(Q.size())});
    return Q;
}

std::vector<std::byte> PackedContainer::decodeWeight(const TensorInfo& stored, const PackedLayer& l) const
{
    return storedWeightBytes(decodeMatrix(stored, l), l.conv1d, stored.dtype);
}

void PackedContainer::checkComplete() const
{
    for (const auto& shard : layout_.hf.shards)
        for (const auto& t : shard.tensors)
            if (const auto it = layout_.layers.find(t.name); it != layout_.layers.end())
                (void)packedWeight(t, it->second);
            else
                (void)bytes(t.name, t.dtype, t.byteSize());
}

} // namespace loftq::detail
