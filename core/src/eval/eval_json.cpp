#include "loftq/eval.hpp"

namespace loftq {
namespace {

nlohmann::json metricsJson(const ModelMetrics& m)
{
    nlohmann::json j{{"nll", m.nll}, {"perplexity", m.perplexity}, {"window_nll", m.windowNll}};
    if (m.bitsPerByte >= 0)
        j["bits_per_byte"] = m.bitsPerByte;
    return j;
}

} // namespace

nlohmann::json toJson(const EvalResult& r, bool withPerPrediction)
{
    nlohmann::json j{{"model", r.model},       {"tokens", r.tokens},           {"context", r.context},
                     {"windows", r.windows},   {"predictions", r.predictions}, {"seconds", r.seconds},
                     {"metrics", metricsJson(r.metrics)}};
    if (r.originalMetrics) {
        j["original"] = r.original;
        j["original_metrics"] = metricsJson(*r.originalMetrics);
    }
    if (r.comparison) {
        const auto& c = *r.comparison;
        j["comparison"] = {{"kl_mean", c.meanKl},
                           {"kl_p99", c.p99Kl},
                           {"top1_agreement", c.top1Agreement},
                           {"delta_nll", c.deltaNll}};
        if (withPerPrediction)
            j["comparison"]["kl"] = c.perPredictionKl;
    }
    auto& worst = j["worst"] = nlohmann::json::array();
    for (const auto& w : r.worst)
        worst.push_back({{"position", w.position}, {"token", w.token}, {"kl", w.kl}, {"nll", w.nll},
                         {"model_top1", w.modelTop1}, {"original_top1", w.originalTop1}});
    return j;
}

} // namespace loftq
