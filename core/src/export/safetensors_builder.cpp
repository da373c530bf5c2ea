#include "safetensors_builder.hpp"
#include "staged_files.hpp"

#include <filesystem>

namespace loftq::detail {

SafetensorsBuilder::SafetensorsBuilder(const std::string& folder)
    : data_((std::filesystem::path(folder) / "tensor-data").string())
{
}

void SafetensorsBuilder::add(const std::string& name, DType dtype, std::vector<std::int64_t> shape,
                             std::span<const std::byte> bytes)
{
    TensorInfo t;
    t.name = name;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.begin = data_.bytesWritten();
    data_.write(bytes);
    t.end = data_.bytesWritten();
    tensors_.push_back(std::move(t));
}

void SafetensorsBuilder::addEmbedded(const std::string& name, const std::function<void(AtomicFile&)>& write)
{
    TensorInfo t;
    t.name = name;
    t.dtype = DType::U8;
    t.begin = data_.bytesWritten();
    write(data_);
    t.end = data_.bytesWritten();
    t.shape = {std::int64_t(t.end - t.begin)};
    tensors_.push_back(std::move(t));
}

void SafetensorsBuilder::assembleInto(AtomicFile& out, const std::map<std::string, std::string>& metadata)
{
    data_.finish();
    out.write(serializeSafetensorsHeader(tensors_, metadata));
    appendFileTo(data_.tempPath(), out);
}

} // namespace loftq::detail
