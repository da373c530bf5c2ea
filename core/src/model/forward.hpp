#pragma once
// Internal: one block's weights and the block forward pass, written once against the family
// description (architecture.hpp). Hidden states are hidden x tokens (one column per token), the
// windows of an evaluation side by side; every window restarts at position 0.
#include "architecture.hpp"
#include "loftq/model_source.hpp"
#include "loftq/tokenizer.hpp"

#include <Eigen/Core>
#include <optional>
#include <vector>

namespace loftq {
class ActivationObserver;
}

namespace loftq::model {

// y = W x + b (+ scale * B (A x) with an adapter).
struct Linear {
    MatrixRM weight; // out x in
    Eigen::VectorXf bias;
    std::optional<LowRankAdapter> adapter;
    std::string module; // its path, as targets and calibration statistics name it
    void apply(const Eigen::MatrixXf& X, Eigen::MatrixXf& Y, int threads) const;
};

struct Norm {
    Eigen::VectorXf weight, bias; // bias empty for RMSNorm
};

struct BlockWeights {
    Norm norm1, norm2;
    std::vector<Linear> attention; // one fused [q; k; v], or q, k, v
    Linear output;
    std::vector<Linear> mlpIn;     // one fused [gate; up], or gate and up, or the plain MLP's input
    Linear down;
};

// Reads block `block` of `source`, checking every shape against the architecture and every adapter
// against its weight. Throws Error(BadInput) naming the source.
BlockWeights loadBlock(const ModelSource& source, const ModelArchitecture& a, int block);
Norm loadNorm(const ModelSource& source, const ModelArchitecture& a, const std::string& module);
// Every linear module of the model (what an adapter may name).
std::vector<std::string> linearModules(const ModelArchitecture& a);

// The input hidden states: token embeddings, plus learned positions 0..context-1 in each window.
Eigen::MatrixXf embedTokens(const ModelSource& source, const ModelArchitecture& a, const std::vector<TokenId>& ids,
                            int context);
// A block's intermediate matrices, kept from one block (and one model) to the next. Over thousands
// of tokens each is tens of MiB, above the size glibc keeps for reuse: allocated afresh for every
// block they were new pages from the kernel, and their first touch cost as much as the products
// that fill them (BENCHMARKS.md, evaluation).
struct BlockBuffers {
    Eigen::MatrixXf normed, heads, attentionOut, gate, up, activation, mlpOut;
    std::vector<Eigen::MatrixXf> projections;
};

// In place over all windows of `context` tokens. With an observer (calibration), every linear's
// input is reported before it is applied, all tokens in one call, then declared complete.
void runBlock(const BlockWeights& w, const ModelArchitecture& a, int context, Eigen::MatrixXf& hidden,
              BlockBuffers& buffers, int threads, ActivationObserver* observer = nullptr);
void applyNorm(const Norm& n, const ModelArchitecture& a, Eigen::MatrixXf& x, int threads);

} // namespace loftq::model
