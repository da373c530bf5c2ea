#include "layer_major.hpp"

#include <algorithm>

namespace loftq::eval {

TokenWindows cutWindows(const ModelSource& model, const EvalTokens& tokens, const EvalOptions& options)
{
    TokenWindows w;
    w.context = checkEvaluable(model, tokens, options);
    w.windows = std::min(options.maxTokens, tokens.ids.size()) / std::size_t(w.context);
    w.ids.assign(tokens.ids.begin(), tokens.ids.begin() + std::ptrdiff_t(w.windows * std::size_t(w.context)));
    return w;
}

StageProgress::StageProgress(const ProgressSink& sink, const std::atomic<bool>* cancel, int total, std::string job)
    : sink_(sink), cancel_(cancel), total_(total), job_(std::move(job)), start_(std::chrono::steady_clock::now())
{
}

double StageProgress::elapsed() const
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void StageProgress::checkCancel() const
{
    if (cancel_ && cancel_->load())
        throw Error(ErrorKind::Cancelled, job_ + " cancelled");
}

void StageProgress::emit(ProgressEvent::Kind kind, int stage, const std::string& what, const std::string& message) const
{
    if (!sink_)
        return;
    ProgressEvent e;
    e.kind = kind;
    e.layerIndex = stage;
    e.layerCount = total_;
    e.layer = what;
    e.elapsedSeconds = elapsed();
    const int done = kind == ProgressEvent::Kind::LayerFinished ? stage + 1 : std::max(0, stage);
    e.fractionDone = kind == ProgressEvent::Kind::RunFinished ? 1.0 : double(done) / total_;
    e.etaSeconds = e.fractionDone > 0 ? e.elapsedSeconds * (1 - e.fractionDone) / e.fractionDone : -1;
    e.message = message;
    sink_(e);
}

} // namespace loftq::eval
