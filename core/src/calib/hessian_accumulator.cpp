// H += X^T X for each reported chunk of tokens: float32 products over 256-token pieces (the
// engine's GEMM speed), summed into float64 (so millions of tokens lose nothing). Only the lower
// triangle is formed, in fixed column tiles computed in parallel: each tile is one thread's, so H
// is the same at any thread count.
#include "loftq/calib_accumulator.hpp"
#include "loftq/errors.hpp"
#include "linalg/row_chunks.hpp"

namespace loftq {
namespace {

constexpr Eigen::Index kTokenChunk = 256;
constexpr Eigen::Index kColumnTile = 64;

bool samePlace(const TensorPlace& a, const TensorPlace& b) { return a.stack == b.stack && a.block == b.block; }

} // namespace

HessianAccumulator::HessianAccumulator(const std::vector<LayerDescriptor>& targets, CalibrationWriter& writer,
                                       int threads)
    : writer_(writer), threads_(std::max(1, threads))
{
    std::map<std::string, std::size_t> byName;
    for (const auto& layer : targets) {
        const std::string name = calibrationInputName(layer);
        auto [it, added] = byName.try_emplace(name, inputs_.size());
        if (added)
            inputs_.push_back({{name, layer.inFeatures, 0, {}}, layer.modulePath, layer.place, {}, false});
        inputs_[it->second].info.consumers.push_back(layer.modulePath);
        byConsumer_[layer.modulePath] = it->second;
    }
}

void HessianAccumulator::observeInput(const std::string& modulePath, const float* X, Eigen::Index rows,
                                      Eigen::Index cols)
{
    const auto it = byConsumer_.find(modulePath);
    if (it == byConsumer_.end() || inputs_[it->second].owner != modulePath)
        return; // not a target, or a sibling whose shared input its owner reports
    Input& input = inputs_[it->second];
    if (input.written)
        throw Error(ErrorKind::Runtime, "calibration: input of " + modulePath + " reported after its block finished");
    if (cols != input.info.features)
        throw Error(ErrorKind::Runtime, "calibration: input of " + modulePath + " has " + std::to_string(cols) +
                                            " features, the target takes " + std::to_string(input.info.features));
    if (input.H.size() == 0) {
        input.H = Eigen::MatrixXd::Zero(cols, cols);
        peakHeldBytes_ = std::max(peakHeldBytes_, heldBytes());
    }
    const Eigen::Map<const MatrixRM> all(X, rows, cols);
    for (Eigen::Index begin = 0; begin < rows; begin += kTokenChunk) {
        const auto x = all.middleRows(begin, std::min(kTokenChunk, rows - begin));
        forEachRowChunk(cols, kColumnTile, threads_, [&](Eigen::Index, Eigen::Index j, Eigen::Index width) {
            // The tile of columns [j, j + width) on and below the diagonal.
            Eigen::MatrixXf tile(cols - j, width);
            tile.noalias() = x.rightCols(cols - j).transpose() * x.middleCols(j, width);
            input.H.block(j, j, cols - j, width) += tile.cast<double>();
        });
    }
    input.info.tokens += std::uint64_t(rows);
}

void HessianAccumulator::write(Input& input)
{
    if (input.info.tokens == 0)
        throw Error(ErrorKind::Runtime, "calibration: the forward pass never reported the input of " + input.owner);
    writer_.add(input.info, input.H);
    input.H = Eigen::MatrixXd();
    input.written = true;
}

void HessianAccumulator::inputFinished(const std::string& modulePath)
{
    const auto it = byConsumer_.find(modulePath);
    if (it != byConsumer_.end() && !inputs_[it->second].written && inputs_[it->second].info.tokens > 0)
        write(inputs_[it->second]);
}

void HessianAccumulator::blockFinished(const TensorPlace& place)
{
    for (auto& input : inputs_)
        if (!input.written && samePlace(input.place, place))
            write(input);
}

void HessianAccumulator::finish()
{
    for (auto& input : inputs_)
        if (!input.written)
            write(input);
}

std::size_t HessianAccumulator::heldBytes() const
{
    std::size_t bytes = 0;
    for (const auto& input : inputs_)
        bytes += std::size_t(input.H.size()) * sizeof(double);
    return bytes;
}

} // namespace loftq
