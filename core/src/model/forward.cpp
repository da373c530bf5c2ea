// The block forward pass (docs/model.md): pre-norm attention and MLP, float32 throughout, as
// transformers computes them. Products go through the fixed-chunk parallel GEMM and everything
// else is split per token or per (window, head), so results do not depend on the thread count.
#include "forward.hpp"

#include "loftq/calib_accumulator.hpp"
#include "loftq/errors.hpp"
#include "linalg/parallel_gemm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace loftq::model {
namespace {

float activate(Activation act, float x)
{
    switch (act) {
    case Activation::Silu:
        return x / (1.0f + std::exp(-x));
    case Activation::GeluTanh: {
        const float k = std::sqrt(2.0f / std::numbers::pi_v<float>);
        return 0.5f * x * (1.0f + std::tanh(k * (x + 0.044715f * x * x * x)));
    }
    case Activation::GeluErf:
        return 0.5f * x * (1.0f + std::erf(x / std::numbers::sqrt2_v<float>));
    case Activation::Relu:
        return std::max(0.0f, x);
    }
    return x;
}

// Per column, in parallel: columns are independent.
template <typename Work>
void forEachColumn(Eigen::Index columns, int threads, Work&& work)
{
#pragma omp parallel for schedule(static) num_threads(std::max(1, threads))
    for (Eigen::Index t = 0; t < columns; ++t)
        work(t);
}

// Hugging Face RoPE: halves of the rotary part rotated by position * inv_freq.
void applyRotary(Eigen::Ref<Eigen::MatrixXf> x, int heads, const ModelArchitecture& a, int context, int threads)
{
    const int half = a.rotaryDim / 2;
    Eigen::MatrixXf cosTable(half, context), sinTable(half, context);
    for (int p = 0; p < context; ++p)
        for (int i = 0; i < half; ++i) {
            const float angle = float(p) * a.invFreq[std::size_t(i)];
            cosTable(i, p) = float(std::cos(double(angle)));
            sinTable(i, p) = float(std::sin(double(angle)));
        }
    forEachColumn(x.cols(), threads, [&](Eigen::Index t) {
        const Eigen::Index p = t % context;
        for (int h = 0; h < heads; ++h) {
            float* v = x.col(t).data() + Eigen::Index(h) * a.headDim;
            for (int i = 0; i < half; ++i) {
                const float x1 = v[i], x2 = v[i + half];
                v[i] = x1 * cosTable(i, p) - x2 * sinTable(i, p);
                v[i + half] = x2 * cosTable(i, p) + x1 * sinTable(i, p);
            }
        }
    });
}

// Causal softmax attention per (window, head); query head j reads key/value head j / group.
void attend(const Eigen::Ref<const Eigen::MatrixXf>& Q, const Eigen::Ref<const Eigen::MatrixXf>& K,
            const Eigen::Ref<const Eigen::MatrixXf>& V, const ModelArchitecture& a, int context,
            Eigen::MatrixXf& out, int threads)
{
    const Eigen::Index windows = Q.cols() / context, hd = a.headDim;
    const int group = a.heads / a.kvHeads;
    const float scale = 1.0f / std::sqrt(float(hd));
    out.resize(Eigen::Index(a.heads) * hd, Q.cols());
#pragma omp parallel for schedule(dynamic) num_threads(std::max(1, threads))
    for (Eigen::Index job = 0; job < windows * a.heads; ++job) {
        const Eigen::Index w = job / a.heads, h = job % a.heads, g = h / group;
        const auto q = Q.block(h * hd, w * context, hd, context);
        const auto k = K.block(g * hd, w * context, hd, context);
        const auto v = V.block(g * hd, w * context, hd, context);
        Eigen::MatrixXf scores = k.transpose() * q; // (key, query)
        for (Eigen::Index j = 0; j < context; ++j) {
            auto col = scores.col(j).head(j + 1);
            col *= scale;
            const float top = col.maxCoeff();
            col = (col.array() - top).exp();
            col /= col.sum();
            scores.col(j).tail(context - j - 1).setZero();
        }
        out.block(h * hd, w * context, hd, context).noalias() = v * scores;
    }
}

// A column-major features x tokens matrix is the row-major tokens x features X the observer takes.
void applyObserved(const Linear& l, const Eigen::MatrixXf& X, Eigen::MatrixXf& Y, int threads,
                   ActivationObserver* observer)
{
    if (observer) {
        observer->observeInput(l.module, X.data(), X.cols(), X.rows());
        observer->inputFinished(l.module);
    }
    l.apply(X, Y, threads);
}

} // namespace

void Linear::apply(const Eigen::MatrixXf& X, Eigen::MatrixXf& Y, int threads) const
{
    multiply(weight, X, Y, threads);
    if (bias.size())
        Y.colwise() += bias;
    if (adapter) {
        Eigen::MatrixXf AX; // rank x tokens: small
        multiply(adapter->A, X, AX, threads);
        multiplyAdd(adapter->B, AX, adapter->scale, Y, threads);
    }
}

void applyNorm(const Norm& n, const ModelArchitecture& a, Eigen::MatrixXf& x, int threads)
{
    const bool layerNorm = a.family->norm == NormKind::LayerNorm;
    const float eps = float(a.eps);
    forEachColumn(x.cols(), threads, [&](Eigen::Index t) {
        auto c = x.col(t);
        if (layerNorm) {
            const double mean = c.cast<double>().mean();
            const double var = (c.cast<double>().array() - mean).square().mean();
            const float rstd = 1.0f / std::sqrt(float(var) + eps);
            c = ((c.array() - float(mean)) * rstd * n.weight.array() + n.bias.array()).matrix();
        } else {
            const float var = float(c.cast<double>().squaredNorm() / double(c.size()));
            c = (n.weight.array() * (c.array() * (1.0f / std::sqrt(var + eps)))).matrix();
        }
    });
}

Eigen::MatrixXf embedTokens(const ModelSource& source, const ModelArchitecture& a, const std::vector<TokenId>& ids,
                            int context)
{
    const std::vector<std::int64_t> rows(ids.begin(), ids.end());
    const MatrixRM embedded = source.readRows(a.family->embedding + ".weight", rows);
    if (embedded.cols() != a.hidden)
        throwBadInput(source.label(), "embedding has " + std::to_string(embedded.cols()) + " columns; hidden_size is " +
                                          std::to_string(a.hidden));
    // A row-major tokens x hidden matrix is the column-major hidden x tokens one.
    Eigen::MatrixXf hidden = Eigen::Map<const Eigen::MatrixXf>(embedded.data(), a.hidden, embedded.rows());
    if (a.family->positions == PositionScheme::Learned) {
        std::vector<std::int64_t> positions(static_cast<std::size_t>(context));
        for (int p = 0; p < context; ++p)
            positions[std::size_t(p)] = p;
        const MatrixRM wpe = source.readRows(a.family->positionEmbedding + ".weight", positions);
        if (wpe.cols() != a.hidden)
            throwBadInput(source.label(), "position embedding does not have hidden_size columns");
        for (Eigen::Index t = 0; t < hidden.cols(); ++t)
            hidden.col(t) += wpe.row(t % context).transpose();
    }
    return hidden;
}

void runBlock(const BlockWeights& w, const ModelArchitecture& a, int context, Eigen::MatrixXf& hidden,
              BlockBuffers& buffers, int threads, ActivationObserver* observer)
{
    const Eigen::Index qRows = Eigen::Index(a.heads) * a.headDim, kvRows = Eigen::Index(a.kvHeads) * a.headDim;
    auto& normed = buffers.normed;
    normed = hidden;
    applyNorm(w.norm1, a, normed, threads);
    auto& projections = buffers.projections;
    projections.resize(w.attention.size());
    for (std::size_t i = 0; i < w.attention.size(); ++i)
        applyObserved(w.attention[i], normed, projections[i], threads, observer);
    const bool fused = projections.size() == 1;
    auto Q = projections[0].topRows(qRows);
    auto K = fused ? projections[0].middleRows(qRows, kvRows) : projections[1].topRows(kvRows);
    auto V = fused ? projections[0].middleRows(qRows + kvRows, kvRows) : projections[2].topRows(kvRows);
    if (a.family->positions == PositionScheme::Rotary) {
        applyRotary(Q, a.heads, a, context, threads);
        applyRotary(K, a.kvHeads, a, context, threads);
    }
    attend(Q, K, V, a, context, buffers.heads, threads);
    applyObserved(w.output, buffers.heads, buffers.attentionOut, threads, observer);
    hidden += buffers.attentionOut;

    normed = hidden;
    applyNorm(w.norm2, a, normed, threads);
    auto& act = buffers.activation;
    if (w.mlpIn.size() == 1 && a.family->gate.empty() && a.family->gateUpFused.empty()) {
        applyObserved(w.mlpIn[0], normed, act, threads, observer); // plain MLP
        forEachColumn(act.cols(), threads, [&](Eigen::Index t) {
            for (auto& x : act.col(t))
                x = activate(a.activation, x);
        });
    } else {
        auto& gate = buffers.gate;
        applyObserved(w.mlpIn[0], normed, gate, threads, observer);
        if (w.mlpIn.size() == 2)
            applyObserved(w.mlpIn[1], normed, buffers.up, threads, observer);
        const Eigen::Index inter = a.intermediate;
        act.resize(inter, hidden.cols());
        const auto& upSource = w.mlpIn.size() == 2 ? buffers.up : gate;
        const Eigen::Index upOffset = w.mlpIn.size() == 2 ? 0 : inter;
        forEachColumn(act.cols(), threads, [&](Eigen::Index t) {
            for (Eigen::Index i = 0; i < inter; ++i)
                act(i, t) = activate(a.activation, gate(i, t)) * upSource(upOffset + i, t);
        });
    }
    applyObserved(w.down, act, buffers.mlpOut, threads, observer);
    hidden += buffers.mlpOut;
}

} // namespace loftq::model
