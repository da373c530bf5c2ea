#pragma once
// Calibration statistics (docs/calibration.md): per distinct target input, H = X^T X over the
// calibration tokens, in one safetensors file whose metadata holds a manifest naming the model,
// the text, the token count and the context. Targets that read the same input (q, k and v; gate
// and up) share one H. Written atomically; read and checked against the checkpoint it is used on.
#include "loftq/checkpoint.hpp"
#include "loftq/targets.hpp"

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loftq {

namespace detail {
class SafetensorsBuilder;
}

// The name of the input a target reads: its module path, or for targets sharing their input
// with siblings, the parent module and the group ("model.layers.0.self_attn.q_proj+k_proj+v_proj").
std::string calibrationInputName(const LayerDescriptor& layer);

struct CalibrationInput {
    std::string name;                   // calibrationInputName of its consumers; also the tensor's name
    std::int64_t features = 0;          // in: H is features x features
    std::uint64_t tokens = 0;           // rows of X summed into H
    std::vector<std::string> consumers; // module paths of the targets reading it
};

struct CalibrationManifest {
    std::string model;             // the checkpoint as named when collecting
    std::string configSha256;      // of its config.json; empty when it had none
    std::string textSha256;        // of the calibration text (or token file)
    std::uint64_t tokens = 0;      // calibration tokens
    int context = 0;               // tokens per window
    double dampingDefault = 0;     // what quantize uses without --damping
    std::vector<CalibrationInput> inputs;
    nlohmann::json toJson() const;
    static CalibrationManifest fromJson(const nlohmann::json& j, const std::string& file);
};

// SHA-256 of a file's bytes, lowercase hex (the manifest's identities). Throws Error naming it.
std::string sha256OfFile(const std::string& path);
// The config.json identity of a checkpoint (empty when it has no config.json).
std::string configSha256(const Checkpoint& checkpoint);

class CalibrationStats {
public:
    // Throws Error(BadInput) naming the file when it is not a statistics file.
    static CalibrationStats open(const std::string& path);

    const std::string& path() const;
    const CalibrationManifest& manifest() const { return manifest_; }
    // Every target to be quantized must find its input, as wide as the target, and the model's
    // config.json must be the one the statistics were collected on. Throws Error(BadInput).
    void validateFor(const Checkpoint& checkpoint, const std::vector<LayerDescriptor>& targets) const;
    // H of the input `layer` reads, in float64, symmetric. Throws Error(BadInput) when it is
    // missing or holds a non-finite value.
    Eigen::MatrixXd hessianFor(const LayerDescriptor& layer) const;

private:
    std::shared_ptr<SafetensorsFile> file_;
    CalibrationManifest manifest_;
};

// Streams H's into a statistics file: each add() writes one input's H to a staged data file and
// forgets it, so memory holds only what the caller holds. Nothing appears at `path` before
// commit(); destroyed without commit, the staged files are removed.
class CalibrationWriter {
public:
    explicit CalibrationWriter(std::string path);
    ~CalibrationWriter();
    CalibrationWriter(const CalibrationWriter&) = delete;
    CalibrationWriter& operator=(const CalibrationWriter&) = delete;

    // H is symmetric and only its lower triangle is read and stored, as float32
    // (docs/calibration.md says why float32 is enough).
    void add(CalibrationInput input, const Eigen::MatrixXd& H);
    // Writes the manifest (its inputs are those added, in order) and moves the file into place.
    void commit(CalibrationManifest manifest);

private:
    std::string path_;
    std::unique_ptr<detail::SafetensorsBuilder> builder_;
    std::vector<CalibrationInput> inputs_;
};

} // namespace loftq
