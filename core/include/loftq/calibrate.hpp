#pragma once
// Collecting calibration statistics (docs/calibration.md): the original model runs layer-major
// over the windows of a text, every target's input feeds H = X^T X, and the statistics file
// appears, complete, only at the end. Memory: one block's weights, the hidden states and one H.
// A job in the evaluation's style: plain values in and out, progress events, cancellation polled
// between blocks; on an error or a cancel nothing is left behind.
#include "loftq/eval.hpp"
#include "loftq/progress.hpp"

#include <atomic>
#include <cstdint>
#include <string>

namespace loftq {

struct CalibrationSummary {
    std::string path;          // the statistics file written
    std::string model;         // the checkpoint, as named in the manifest
    std::string tokens;        // EvalTokens::source
    int context = 0;
    std::size_t windows = 0;
    std::uint64_t tokenCount = 0;  // windows * context
    std::size_t inputs = 0;        // distinct inputs stored
    std::size_t peakHessianBytes = 0; // the most H memory held at once
    double seconds = 0;
};
nlohmann::json toJson(const CalibrationSummary& s);

// `model`: an original checkpoint (a folder or a .safetensors file; not an export with an
// adapter). `tokens`: its text through its tokenizer, or a token file; the manifest's text hash
// is that of tokens.source. `windows`: context, maxTokens and threads as for an evaluation.
// Throws Error(BadInput) naming the file for an existing output (unless `replace`), an unsupported
// model, too few tokens or ids outside the vocabulary; Error(Cancelled) when `cancel` becomes true.
// Progress: RunStarted, LayerStarted / LayerFinished per block ("block 3"), RunFinished.
CalibrationSummary collectCalibration(const std::string& model, const EvalTokens& tokens, const std::string& output,
                                      const EvalOptions& windows, bool replace, const ProgressSink& progress = {},
                                      const std::atomic<bool>* cancel = nullptr);

} // namespace loftq
