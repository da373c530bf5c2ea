// The statistics file: one F32 tensor per input, named after it, holding the lower triangle of H
// row by row (H[0][0], H[1][0], H[1][1], H[2][0], ...: in (in + 1) / 2 values, half of the full
// matrix: 11 GB rather than 22 GB for a 7B model), and the manifest as JSON in the safetensors
// metadata under "loftq_calibration".
#include "../export/safetensors_builder.hpp"
#include "loftq/calib_stats.hpp"
#include "loftq/errors.hpp"

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

namespace loftq {
namespace {

constexpr const char* kMetadataKey = "loftq_calibration";
constexpr const char* kFormat = "loftq-calibration";
constexpr int kVersion = 1;

std::int64_t packedSize(std::int64_t n) { return n * (n + 1) / 2; }

template <typename T>
T field(const nlohmann::json& j, const char* name, const std::string& file)
{
    if (!j.is_object() || !j.contains(name))
        throwBadInput(file, std::string("the calibration manifest has no '") + name + "'");
    try {
        return j.at(name).get<T>();
    } catch (const nlohmann::json::exception&) {
        throwBadInput(file, std::string("the calibration manifest's '") + name + "' has the wrong type");
    }
}

} // namespace

nlohmann::json CalibrationManifest::toJson() const
{
    nlohmann::json j;
    j["format"] = kFormat;
    j["version"] = kVersion;
    j["model"] = model;
    j["config_sha256"] = configSha256;
    j["text_sha256"] = textSha256;
    j["tokens"] = tokens;
    j["context"] = context;
    j["damping_default"] = dampingDefault;
    j["hessian"] = "H = X^T X per input, float32 products of 256-token chunks summed in float64, stored float32";
    j["layout"] = "lower triangle of H, row by row";
    j["inputs"] = nlohmann::json::array();
    for (const auto& in : inputs)
        j["inputs"].push_back(
            {{"name", in.name}, {"features", in.features}, {"tokens", in.tokens}, {"consumers", in.consumers}});
    return j;
}

CalibrationManifest CalibrationManifest::fromJson(const nlohmann::json& j, const std::string& file)
{
    if (field<std::string>(j, "format", file) != kFormat)
        throwBadInput(file, "is not a calibration statistics file (format is not loftq-calibration)");
    if (field<int>(j, "version", file) != kVersion)
        throwBadInput(file, "calibration statistics of version " + std::to_string(field<int>(j, "version", file)) +
                                " (this loftq reads version " + std::to_string(kVersion) + ")");
    CalibrationManifest m;
    m.model = field<std::string>(j, "model", file);
    m.configSha256 = field<std::string>(j, "config_sha256", file);
    m.textSha256 = field<std::string>(j, "text_sha256", file);
    m.tokens = field<std::uint64_t>(j, "tokens", file);
    m.context = field<int>(j, "context", file);
    m.dampingDefault = field<double>(j, "damping_default", file);
    for (const auto& in : field<nlohmann::json>(j, "inputs", file)) {
        CalibrationInput input{field<std::string>(in, "name", file), field<std::int64_t>(in, "features", file),
                               field<std::uint64_t>(in, "tokens", file),
                               field<std::vector<std::string>>(in, "consumers", file)};
        m.inputs.push_back(std::move(input));
    }
    return m;
}

CalibrationStats CalibrationStats::open(const std::string& path)
{
    CalibrationStats stats;
    stats.file_ = SafetensorsFile::open(path);
    const auto& metadata = stats.file_->header().metadata;
    const auto it = metadata.find(kMetadataKey);
    if (it == metadata.end())
        throwBadInput(path, "is not a calibration statistics file (no loftq_calibration manifest)");
    const auto json = nlohmann::json::parse(it->second, nullptr, false);
    if (json.is_discarded())
        throwBadInput(path, "the calibration manifest is not valid JSON");
    stats.manifest_ = CalibrationManifest::fromJson(json, path);
    std::set<std::string> names;
    for (const auto& in : stats.manifest_.inputs) {
        const auto* t = stats.file_->find(in.name);
        if (!t || t->dtype != DType::F32 || in.features < 1 || in.features > (1 << 20) ||
            t->shape != std::vector<std::int64_t>{packedSize(in.features)})
            throwBadInput(path, "has no float32 lower triangle of " + std::to_string(in.features) + " x " +
                                    std::to_string(in.features) + " for input " + quoteName(in.name));
        if (!names.insert(in.name).second)
            throwBadInput(path, "lists input " + quoteName(in.name) + " twice");
    }
    return stats;
}

const std::string& CalibrationStats::path() const { return file_->path(); }

void CalibrationStats::validateFor(const Checkpoint& checkpoint, const std::vector<LayerDescriptor>& targets) const
{
    const std::string config = configSha256(checkpoint);
    if (!manifest_.configSha256.empty() && !config.empty() && config != manifest_.configSha256)
        throwBadInput(path(), "was collected on another model (" + manifest_.model +
                                  "): its config.json differs from " + checkpoint.directory() + "/config.json");
    std::map<std::string, std::int64_t> features;
    for (const auto& in : manifest_.inputs)
        features[in.name] = in.features;
    for (const auto& layer : targets) {
        const auto it = features.find(calibrationInputName(layer));
        if (it == features.end())
            throwBadInput(path(), "has no statistics for the input of " + quoteName(layer.modulePath) +
                                      " (collected on another model?)");
        if (it->second != layer.inFeatures)
            throwBadInput(path(), "holds a " + std::to_string(it->second) + "-wide input for " +
                                      quoteName(layer.modulePath) + ", which takes " +
                                      std::to_string(layer.inFeatures) + " (another model's statistics?)");
    }
}

Eigen::MatrixXd CalibrationStats::hessianFor(const LayerDescriptor& layer) const
{
    const std::string name = calibrationInputName(layer);
    const auto* t = file_->find(name);
    if (!t)
        throwBadInput(path(), "has no statistics for the input of " + quoteName(layer.modulePath));
    const auto n = Eigen::Index(layer.inFeatures);
    if (t->shape != std::vector<std::int64_t>{packedSize(n)})
        throwBadInput(path(), "the statistics of input " + quoteName(name) + " are not " + std::to_string(n) + " wide");
    std::vector<float> packed(std::size_t(t->elementCount()));
    toFloat32(DType::F32, file_->data(*t).data(), packed.data(), packed.size());
    Eigen::MatrixXd H(n, n);
    const float* row = packed.data();
    for (Eigen::Index i = 0; i < n; row += ++i)
        for (Eigen::Index j = 0; j <= i; ++j) {
            if (!std::isfinite(row[j]))
                throwBadInput(path(), "the statistics of input " + quoteName(name) + " hold a non-finite value");
            H(i, j) = H(j, i) = double(row[j]);
        }
    return H;
}

CalibrationWriter::CalibrationWriter(std::string path)
    : path_(std::move(path)),
      builder_(std::make_unique<detail::SafetensorsBuilder>(
          std::filesystem::absolute(path_).parent_path().string()))
{
}

CalibrationWriter::~CalibrationWriter() = default;

void CalibrationWriter::add(CalibrationInput input, const Eigen::MatrixXd& H)
{
    // Float32 is ample: its rounding (6e-8 of an entry) is 5 orders of magnitude below the damping
    // added before use (1e-2 of the mean diagonal).
    const Eigen::Index n = H.rows();
    std::vector<float> packed;
    packed.reserve(std::size_t(packedSize(n)));
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j <= i; ++j)
            packed.push_back(float(H(i, j)));
    std::vector<std::byte> bytes(packed.size() * sizeof(float));
    fromFloat32(DType::F32, packed.data(), bytes.data(), packed.size());
    builder_->add(input.name, DType::F32, {packedSize(n)}, bytes);
    inputs_.push_back(std::move(input));
}

void CalibrationWriter::commit(CalibrationManifest manifest)
{
    manifest.inputs = inputs_;
    AtomicFile out(path_);
    builder_->assembleInto(out, {{kMetadataKey, manifest.toJson().dump()}});
    out.commit();
}

} // namespace loftq
