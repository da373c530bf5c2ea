#pragma once
// Internal: a safetensors file whose tensors become known only as they stream by (a bnb shard,
// the packed container). The header must come first, so the data goes to a hidden temporary file
// beside the destination and the file is assembled, header then data, at the end.
#include "loftq/atomic_file.hpp"
#include "loftq/safetensors.hpp"

#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace loftq::detail {

class SafetensorsBuilder {
public:
    // The data waits in a temporary file in `folder`, removed when the builder goes.
    explicit SafetensorsBuilder(const std::string& folder);

    void add(const std::string& name, DType dtype, std::vector<std::int64_t> shape, std::span<const std::byte> bytes);
    // A 1-D U8 tensor holding whatever `write` writes (an embedded file).
    void addEmbedded(const std::string& name, const std::function<void(AtomicFile&)>& write);
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    std::uint64_t dataBytes() const { return data_.bytesWritten(); }
    // Writes the header with `metadata`, then the data, into `out`.
    void assembleInto(AtomicFile& out, const std::map<std::string, std::string>& metadata);

private:
    AtomicFile data_; // never committed
    std::vector<TensorInfo> tensors_;
};

} // namespace loftq::detail
