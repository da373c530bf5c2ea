#pragma once
// Internal: what the layer-major drivers share (evaluation, calibration): the token ids cut into
// whole windows, and progress over stages (one per block) with cancellation polled between them.
#include "loftq/errors.hpp"
#include "loftq/eval.hpp"
#include "loftq/progress.hpp"

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

namespace loftq::eval {

// The first maxTokens ids cut to whole windows of `context` (checkEvaluable: enough ids, all in
// the vocabulary); throws Error(BadInput) naming the token source.
struct TokenWindows {
    int context = 0;
    std::size_t windows = 0;
    std::vector<TokenId> ids; // windows * context
};
TokenWindows cutWindows(const ModelSource& model, const EvalTokens& tokens, const EvalOptions& options);

class StageProgress {
public:
    // `job` names the run in the cancellation message ("evaluation cancelled").
    StageProgress(const ProgressSink& sink, const std::atomic<bool>* cancel, int total, std::string job);
    double elapsed() const;
    void checkCancel() const;
    void emit(ProgressEvent::Kind kind, int stage, const std::string& what, const std::string& message = {}) const;

private:
    const ProgressSink& sink_;
    const std::atomic<bool>* cancel_;
    int total_;
    std::string job_;
    std::chrono::steady_clock::time_point start_;
};

} // namespace loftq::eval
