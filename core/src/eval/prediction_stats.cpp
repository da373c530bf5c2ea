#include "prediction_stats.hpp"

#include <algorithm>
#include <cmath>

namespace loftq::eval {
namespace {

struct LogitSummary {
    double logSumExp = 0;
    TokenId argmax = 0;
};

LogitSummary summarize(const float* logits, Eigen::Index vocab)
{
    const auto* top = std::max_element(logits, logits + vocab); // the first maximum, as torch.argmax
    double sum = 0;
    for (Eigen::Index v = 0; v < vocab; ++v)
        sum += std::exp(double(logits[v]) - double(*top));
    return {double(*top) + std::log(sum), TokenId(top - logits)};
}

} // namespace

void PredictionStats::resize(std::size_t n, bool compared)
{
    modelNll.resize(n);
    modelTop1.resize(n);
    if (compared) {
        originalNll.resize(n);
        originalTop1.resize(n);
        kl.resize(n);
    }
}

void collectWindowStats(const Eigen::MatrixXf& modelLogits, const Eigen::MatrixXf* originalLogits,
                        const TokenId* targets, int context, std::size_t offset, PredictionStats& stats, int threads)
{
    const Eigen::Index vocab = modelLogits.rows();
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (int j = 0; j < context - 1; ++j) {
        const std::size_t i = offset + std::size_t(j);
        const float* lm = modelLogits.col(j).data();
        const auto m = summarize(lm, vocab);
        stats.modelNll[i] = m.logSumExp - double(lm[targets[j + 1]]);
        stats.modelTop1[i] = m.argmax;
        if (!originalLogits)
            continue;
        const float* lo = originalLogits->col(j).data();
        const auto o = summarize(lo, vocab);
        stats.originalNll[i] = o.logSumExp - double(lo[targets[j + 1]]);
        stats.originalTop1[i] = o.argmax;
        double kl = 0;
        for (Eigen::Index v = 0; v < vocab; ++v) {
            const double logPo = double(lo[v]) - o.logSumExp;
            kl += std::exp(logPo) * (logPo - (double(lm[v]) - m.logSumExp));
        }
        stats.kl[i] = float(kl);
    }
}

double percentile(std::vector<float> values, double q)
{
    if (values.empty())
        return 0;
    std::sort(values.begin(), values.end());
    const double rank = q / 100.0 * double(values.size() - 1);
    const auto lo = std::size_t(std::floor(rank));
    const auto hi = std::min(lo + 1, values.size() - 1);
    return double(values[lo]) + (rank - double(lo)) * (double(values[hi]) - double(values[lo]));
}

} // namespace loftq::eval
