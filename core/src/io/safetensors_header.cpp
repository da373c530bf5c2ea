// Parsing and validation of a safetensors header (docs/formats.md). Every rejection names the file and
// the problem; nothing here asserts or aborts, because the input may be hostile.
#include "loftq/errors.hpp"
#include "loftq/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

namespace loftq {
namespace {

std::uint64_t readLength(std::span<const std::byte> bytes)
{
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i)
        n = (n << 8) | std::to_integer<std::uint64_t>(bytes[i]);
    return n;
}

// A safetensors header nests three deep (header, entry, shape); deeper input is hostile, and
// refusing it early keeps a 100 MB header of brackets from costing gigabytes.
constexpr int kMaxJsonDepth = 8;

// nlohmann keeps the last of duplicate keys silently; docs/formats.md requires rejecting them.
nlohmann::json parseRejectingDuplicates(std::string_view text, const std::string& label)
{
    std::vector<std::set<std::string>> keysAtDepth;
    auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if ((event == E::object_start || event == E::array_start) && depth >= kMaxJsonDepth)
            throwBadInput(label, "header JSON is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
        if (event == E::object_start) {
            if (keysAtDepth.size() <= std::size_t(depth))
                keysAtDepth.resize(depth + 1);
            keysAtDepth[depth].clear();
        } else if (event == E::key && depth >= 1) {
            auto& keys = keysAtDepth[depth - 1];
            const auto& key = parsed.get_ref<const std::string&>();
            if (!keys.insert(key).second) {
                if (depth == 1)
                    throwBadInput(label, "duplicate tensor name " + quoteName(key) + " in header");
                throwBadInput(label, "duplicate key " + quoteName(key) + " inside a header entry");
            }
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(label, std::string("header is not valid JSON (") + e.what() + ")");
    }
}

std::uint64_t requireUnsigned(const nlohmann::json& v, const std::string& label, const std::string& what)
{
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
        throwBadInput(label, what + " must be a non-negative integer");
    return v.get<std::uint64_t>();
}

TensorInfo parseEntry(const std::string& name, const nlohmann::json& entry, const std::string& label)
{
    const std::string where = "tensor " + quoteName(name);
    if (!entry.is_object())
        throwBadInput(label, where + ": entry is not a JSON object");
    TensorInfo t;
    t.name = name;
    const auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string())
        throwBadInput(label, where + ": \"dtype\" missing or not a string");
    const auto parsed = parseDType(dtype->get<std::string>());
    if (!parsed)
        throwBadInput(label, where + ": unknown dtype " + quoteName(dtype->get<std::string>()));
    t.dtype = *parsed;
    const auto shape = entry.find("shape");
    if (shape == entry.end() || !shape->is_array())
        throwBadInput(label, where + ": \"shape\" missing or not an array");
    for (const auto& d : *shape) {
        const auto dim = requireUnsigned(d, label, where + ": each shape entry");
        if (dim > (std::uint64_t(1) << 62))
            throwBadInput(label, where + ": shape entry too large");
        t.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto offsets = entry.find("data_offsets");
    if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2)
        throwBadInput(label, where + ": \"data_offsets\" must be an array of two integers");
    t.begin = requireUnsigned((*offsets)[0], label, where + ": data_offsets[0]");
    t.end = requireUnsigned((*offsets)[1], label, where + ": data_offsets[1]");
    if (t.end < t.begin)
        throwBadInput(label, where + ": data_offsets end < begin");
    std::uint64_t bytes = dtypeSize(t.dtype);
    for (auto dim : t.shape) {
        if (dim != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / std::uint64_t(dim))
            throwBadInput(label, where + ": shape x dtype size overflows");
        bytes *= std::uint64_t(dim);
    }
    if (bytes != t.end - t.begin)
        throwBadInput(label, where + ": shape x dtype size is " + std::to_string(bytes) +
                                 " bytes but data_offsets span " + std::to_string(t.end - t.begin));
    return t;
}

} // namespace

std::uint64_t TensorInfo::elementCount() const
{
    std::uint64_t n = 1;
    for (auto d : shape)
        n *= std::uint64_t(d);
    return n;
}

SafetensorsHeader parseSafetensorsHeader(std::span<const std::byte> bytes, std::uint64_t fileSize,
                                         const std::string& label)
{
    if (fileSize == 0)
        throwBadInput(label, "empty file (0 bytes), not a safetensors file");
    if (fileSize < 8 || bytes.size() < 8)
        throwBadInput(label, "file too short for a safetensors header (" + std::to_string(fileSize) + " bytes)");
    SafetensorsHeader header;
    header.headerBytes = readLength(bytes);
    if (header.headerBytes == 0)
        throwBadInput(label, "header length is 0");
    if (header.headerBytes > kMaxHeaderBytes)
        throwBadInput(label, "header length " + std::to_string(header.headerBytes) + " exceeds the limit of " +
                                 std::to_string(kMaxHeaderBytes) + " bytes");
    if (header.headerBytes > fileSize - 8)
        throwBadInput(label, "header length " + std::to_string(header.headerBytes) +
                                 " is larger than the file (truncated header?)");
    if (bytes.size() < 8 + header.headerBytes)
        throwBadInput(label, "header truncated");
    const std::string_view text(reinterpret_cast<const char*>(bytes.data() + 8), header.headerBytes);
    if (!isValidUtf8(text))
        throwBadInput(label, "header is not valid UTF-8");
    const auto json = parseRejectingDuplicates(text, label);
    if (!json.is_object())
        throwBadInput(label, "header JSON is not an object");

    for (const auto& [name, entry] : json.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object())
                throwBadInput(label, "__metadata__ is not an object");
            for (const auto& [k, v] : entry.items()) {
                if (!v.is_string())
                    throwBadInput(label, "__metadata__ value for " + quoteName(k) + " is not a string");
                header.metadata[k] = v.get<std::string>();
            }
            continue;
        }
        header.tensors.push_back(parseEntry(name, entry, label));
    }
    std::stable_sort(header.tensors.begin(), header.tensors.end(),
                     [](const TensorInfo& a, const TensorInfo& b) {
                         return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
                     });
    const std::uint64_t bufferSize = fileSize - 8 - header.headerBytes;
    std::uint64_t cursor = 0;
    for (const auto& t : header.tensors) {
        if (t.begin < cursor)
            throwBadInput(label, "tensor " + quoteName(t.name) + " overlaps the tensor before it");
        if (t.begin > cursor)
            throwBadInput(label, "hole in the data buffer before tensor " + quoteName(t.name) + " (bytes " +
                                     std::to_string(cursor) + ".." + std::to_string(t.begin) + " unused)");
        cursor = t.end;
    }
    if (cursor > bufferSize)
        throwBadInput(label, "data truncated: tensors need " + std::to_string(cursor) + " bytes but the file holds " +
                                 std::to_string(bufferSize));
    if (cursor < bufferSize)
        throwBadInput(label, "data buffer does not end at the end of the file (" +
                                 std::to_string(bufferSize - cursor) + " trailing bytes)");
    return header;
}

std::string serializeSafetensorsHeader(const std::vector<TensorInfo>& tensors,
                                       const std::map<std::string, std::string>& metadata)
{
    // ordered_json keeps tensors in data order, which makes headers easy to read and diff.
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    if (!metadata.empty())
        j["__metadata__"] = metadata;
    for (const auto& t : tensors) {
        j[t.name] = {{"dtype", dtypeName(t.dtype)}, {"shape", t.shape}, {"data_offsets", {t.begin, t.end}}};
    }
    std::string text = j.dump();
    const std::size_t padded = (text.size() + 7) / 8 * 8;
    text.append(padded - text.size(), ' ');
    std::string out(8, '\0');
    std::uint64_t n = text.size();
    for (int i = 0; i < 8; ++i)
        out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + text;
}

} // namespace loftq
