#pragma once
// Internal: what evaluation keeps of each prediction once the LM head has run (docs/model.md):
// -log p of the true token, the argmax and, against an original, KL(original || model).
#include "loftq/tokenizer.hpp"

#include <Eigen/Core>
#include <vector>

namespace loftq::eval {

struct PredictionStats {
    std::vector<double> modelNll, originalNll;
    std::vector<float> kl;
    std::vector<TokenId> modelTop1, originalTop1;
    void resize(std::size_t n, bool compared);
};

// Column j of the logits (vocab x context) predicts targets[j + 1]; results go to [offset + j].
// `originalLogits` may be null.
void collectWindowStats(const Eigen::MatrixXf& modelLogits, const Eigen::MatrixXf* originalLogits,
                        const TokenId* targets, int context, std::size_t offset, PredictionStats& stats, int threads);

// numpy's default percentile: linear interpolation between the order statistics.
double percentile(std::vector<float> values, double q);

} // namespace loftq::eval
