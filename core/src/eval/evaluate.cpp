// The layer-major evaluation driver (docs/model.md): every window passes block b of every model
// before block b + 1 is read, so memory holds one block's weights and one hidden-state set per
// model; the LM head runs last, window by window, and only per-prediction statistics are kept.
#include "loftq/eval.hpp"

#include "../model/forward.hpp"
#include "loftq/errors.hpp"
#include "linalg/parallel_gemm.hpp"
#include "layer_major.hpp"
#include "prediction_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <set>

namespace loftq {
namespace {

using model::ModelArchitecture;

struct EvaluatedModel {
    const ModelSource* source;
    ModelArchitecture arch;
    std::string role; // "model" or "original", for progress
    Eigen::MatrixXf hidden;
};

void checkSameShape(const EvaluatedModel& m, const EvaluatedModel& original)
{
    if (m.arch.family != original.arch.family)
        throwBadInput(m.source->label(), "model_type '" + m.arch.modelType + "' differs from the original's ('" +
                                             original.arch.modelType + "', " + original.source->label() + ")");
    const auto a = m.arch.shapeFields(), b = original.arch.shapeFields();
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].second != b[i].second)
            throwBadInput(m.source->label(), a[i].first + " " + std::to_string(a[i].second) + " differs from the original's " +
                                                 std::to_string(b[i].second) + " (" + original.source->label() + ")");
}

void checkAdapterModules(const EvaluatedModel& m)
{
    const auto modules = model::linearModules(m.arch);
    const std::set<std::string> known(modules.begin(), modules.end());
    for (const auto& name : m.source->adaptedModules())
        if (!known.count(name))
            throwBadInput(m.source->label(), "the adapter names module " + quoteName(name) +
                                                 ", which is not a linear layer of this model");
}

int chooseContext(const ModelArchitecture& a, const EvalOptions& options, const std::string& label)
{
    const int context = options.context > 0 ? options.context : std::min(512, a.maxPositions);
    if (context < 2)
        throwBadInput(label, "a context of " + std::to_string(context) + " tokens has no prediction to make");
    if (a.family->positions == model::PositionScheme::Learned && context > a.maxPositions)
        throwBadInput(label, "context " + std::to_string(context) + " exceeds the " + std::to_string(a.maxPositions) +
                                 " learned positions (config key '" + a.family->maxPositionsKey + "')");
    if (a.slidingWindow > 0 && a.slidingWindow < context)
        throwBadInput(label, "config key 'sliding_window' (" + std::to_string(a.slidingWindow) +
                                 ") is shorter than the context " + std::to_string(context) +
                                 "; sliding-window attention is not supported");
    return context;
}

MatrixRM readHead(const EvaluatedModel& m)
{
    const auto& a = m.arch;
    MatrixRM head = a.tiedEmbeddings || !m.source->hasTensor("lm_head.weight")
                        ? m.source->readTensor(a.family->embedding + ".weight")
                        : m.source->readLinearWeight("lm_head.weight", false);
    if (head.rows() != a.vocab || head.cols() != a.hidden)
        throwBadInput(m.source->label(), "LM head is " + std::to_string(head.rows()) + " x " + std::to_string(head.cols()) +
                                             "; config.json gives vocab_size x hidden_size " + std::to_string(a.vocab) +
                                             " x " + std::to_string(a.hidden));
    return head;
}

ModelMetrics metricsOf(const std::vector<double>& nll, std::size_t windows, const EvalTokens& tokens)
{
    ModelMetrics m;
    const std::size_t perWindow = nll.size() / windows;
    double total = 0;
    for (std::size_t w = 0; w < windows; ++w) {
        double sum = 0;
        for (std::size_t j = 0; j < perWindow; ++j)
            sum += nll[w * perWindow + j];
        m.windowNll.push_back(sum / double(perWindow));
        total += sum;
    }
    m.nll = total / double(nll.size());
    m.perplexity = std::exp(m.nll);
    if (tokens.textBytes > 0)
        m.bitsPerByte = m.nll * double(tokens.ids.size()) / double(tokens.textBytes) / std::numbers::ln2;
    return m;
}

std::vector<WorstPrediction> worstPredictions(const eval::PredictionStats& s, const std::vector<TokenId>& ids,
                                              int context, int count)
{
    const bool compared = !s.kl.empty();
    std::vector<std::size_t> order(s.modelNll.size());
    std::iota(order.begin(), order.end(), 0);
    auto badness = [&](std::size_t i) { return compared ? double(s.kl[i]) : s.modelNll[i]; };
    const auto keep = std::min(order.size(), std::size_t(std::max(0, count)));
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(keep), order.end(),
                      [&](std::size_t x, std::size_t y) { return badness(x) > badness(y) || (badness(x) == badness(y) && x < y); });
    std::vector<WorstPrediction> worst;
    for (std::size_t k = 0; k < keep; ++k) {
        const auto i = order[k];
        const auto position = i / std::size_t(context - 1) * std::size_t(context) + i % std::size_t(context - 1) + 1;
        worst.push_back({position, ids[position], compared ? double(s.kl[i]) : 0.0, s.modelNll[i], s.modelTop1[i],
                         compared ? s.originalTop1[i] : s.modelTop1[i]});
    }
    return worst;
}

} // namespace

int checkEvaluable(const ModelSource& model, const EvalTokens& tokens, const EvalOptions& options)
{
    const auto arch = model::describeModel(model.config(), model.label());
    const int context = chooseContext(arch, options, model.label());
    const std::size_t used = std::min(options.maxTokens, tokens.ids.size());
    if (used / std::size_t(context) == 0)
        throwBadInput(tokens.source, std::to_string(used) + " tokens are fewer than one window of " +
                                         std::to_string(context) + " (--context)");
    for (std::size_t i = 0; i < used / std::size_t(context) * std::size_t(context); ++i)
        if (tokens.ids[i] < 0 || tokens.ids[i] >= arch.vocab)
            throwBadInput(tokens.source, "token id " + std::to_string(tokens.ids[i]) + " at position " + std::to_string(i) +
                                             " is outside the vocabulary of " + model.label() + " (vocab_size " +
                                             std::to_string(arch.vocab) + ")");
    return context;
}

EvalResult evaluate(const ModelSource& model, const ModelSource* original, const EvalTokens& tokens,
                    const EvalOptions& options, const ProgressSink& progress, const std::atomic<bool>* cancel)
{
    std::vector<EvaluatedModel> models;
    models.push_back({&model, model::describeModel(model.config(), model.label()), "model", {}});
    if (original) {
        models.push_back({original, model::describeModel(original->config(), original->label()), "original", {}});
        checkSameShape(models[0], models[1]);
    }
    for (const auto& m : models)
        checkAdapterModules(m);
    const auto& arch = models[0].arch;
    const auto cut = eval::cutWindows(model, tokens, options);
    const int context = cut.context;
    const std::size_t windows = cut.windows;
    const auto& ids = cut.ids;

    const int threads = std::max(1, options.threads);
    const int stages = arch.layers * int(models.size()) + 1;
    const eval::StageProgress stage(progress, cancel, stages, "evaluation");
    stage.emit(ProgressEvent::Kind::RunStarted, -1, "", model.label());
    for (auto& m : models)
        m.hidden = model::embedTokens(*m.source, m.arch, ids, context);
    model::BlockBuffers buffers; // the models have the same shapes
    for (int b = 0; b < arch.layers; ++b)
        for (std::size_t k = 0; k < models.size(); ++k) {
            stage.checkCancel();
            const int index = b * int(models.size()) + int(k);
            const auto what = "block " + std::to_string(b) + " of " + models[k].role;
            stage.emit(ProgressEvent::Kind::LayerStarted, index, what);
            const auto weights = model::loadBlock(*models[k].source, models[k].arch, b);
            model::runBlock(weights, models[k].arch, context, models[k].hidden, buffers, threads);
            stage.emit(ProgressEvent::Kind::LayerFinished, index, what);
        }

    stage.checkCancel();
    stage.emit(ProgressEvent::Kind::LayerStarted, stages - 1, "LM head");
    std::vector<MatrixRM> heads;
    for (auto& m : models) {
        model::applyNorm(model::loadNorm(*m.source, m.arch, m.arch.family->finalNorm), m.arch, m.hidden, threads);
        heads.push_back(readHead(m));
    }
    eval::PredictionStats stats;
    stats.resize(windows * std::size_t(context - 1), original != nullptr);
    std::vector<Eigen::MatrixXf> logits(models.size()); // vocab x context: reused window after window
    for (std::size_t w = 0; w < windows; ++w) {
        stage.checkCancel();
        for (std::size_t k = 0; k < models.size(); ++k)
            multiply(heads[k], models[k].hidden.middleCols(Eigen::Index(w) * context, context), logits[k], threads);
        eval::collectWindowStats(logits[0], original ? &logits[1] : nullptr, ids.data() + w * std::size_t(context),
                                 context, w * std::size_t(context - 1), stats, threads);
    }
    stage.emit(ProgressEvent::Kind::LayerFinished, stages - 1, "LM head");

    EvalResult r;
    r.model = model.label();
    r.original = original ? original->label() : "";
    r.tokens = tokens.source;
    r.context = context;
    r.windows = windows;
    r.predictions = stats.modelNll.size();
    r.metrics = metricsOf(stats.modelNll, windows, tokens);
    if (original) {
        r.originalMetrics = metricsOf(stats.originalNll, windows, tokens);
        ComparisonMetrics c;
        double klSum = 0;
        std::size_t agree = 0;
        for (std::size_t i = 0; i < r.predictions; ++i) {
            klSum += stats.kl[i];
            agree += stats.modelTop1[i] == stats.originalTop1[i];
        }
        c.meanKl = klSum / double(r.predictions);
        c.p99Kl = eval::percentile(stats.kl, 99);
        c.top1Agreement = double(agree) / double(r.predictions);
        c.deltaNll = r.metrics.nll - r.originalMetrics->nll;
        c.perPredictionKl = std::move(stats.kl);
        r.comparison = std::move(c);
        stats.kl = r.comparison->perPredictionKl; // worstPredictions ranks by it
    }
    r.worst = worstPredictions(stats, ids, context, options.worstCount);
    r.seconds = stage.elapsed();
    stage.emit(ProgressEvent::Kind::RunFinished, stages, "", model.label());
    return r;
}

} // namespace loftq
