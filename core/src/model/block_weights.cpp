// Reading one block's weights through the family description, with every shape checked.
#include "forward.hpp"

#include "loftq/errors.hpp"

namespace loftq::model {
namespace {

Eigen::VectorXf vectorOf(const MatrixRM& m)
{
    return Eigen::Map<const Eigen::VectorXf>(m.data(), m.size());
}

std::string shapeText(Eigen::Index rows, Eigen::Index cols)
{
    return std::to_string(rows) + " x " + std::to_string(cols);
}

Linear loadLinear(const ModelSource& source, const ModelArchitecture& a, const std::string& module, Eigen::Index out,
                  Eigen::Index in)
{
    Linear l;
    l.module = module;
    l.weight = source.readLinearWeight(module + ".weight", a.family->conv1d);
    if (l.weight.rows() != out || l.weight.cols() != in)
        throwBadInput(source.label(), "weight of " + quoteName(module) + " is " + shapeText(l.weight.rows(), l.weight.cols()) +
                                          " (out x in); config.json gives " + shapeText(out, in));
    if (source.hasTensor(module + ".bias")) {
        l.bias = vectorOf(source.readTensor(module + ".bias"));
        if (l.bias.size() != out)
            throwBadInput(source.label(), "bias of " + quoteName(module) + " has " + std::to_string(l.bias.size()) +
                                              " values; expected " + std::to_string(out));
    }
    l.adapter = source.adapter(module);
    if (l.adapter && (l.adapter->A.cols() != in || l.adapter->B.rows() != out || l.adapter->A.rows() != l.adapter->B.cols()))
        throwBadInput(source.label(), "adapter of " + quoteName(module) + " (A " +
                                          shapeText(l.adapter->A.rows(), l.adapter->A.cols()) + ", B " +
                                          shapeText(l.adapter->B.rows(), l.adapter->B.cols()) +
                                          ") does not fit its backbone weight " + shapeText(out, in));
    return l;
}

} // namespace

Norm loadNorm(const ModelSource& source, const ModelArchitecture& a, const std::string& module)
{
    Norm n;
    n.weight = vectorOf(source.readTensor(module + ".weight"));
    if (a.family->norm == NormKind::LayerNorm)
        n.bias = vectorOf(source.readTensor(module + ".bias"));
    if (n.weight.size() != a.hidden || (a.family->norm == NormKind::LayerNorm && n.bias.size() != a.hidden))
        throwBadInput(source.label(), "norm " + quoteName(module) + " does not have hidden_size " +
                                          std::to_string(a.hidden) + " values");
    return n;
}

std::vector<std::string> linearModules(const ModelArchitecture& a)
{
    const auto& f = *a.family;
    std::vector<std::string> modules;
    for (int b = 0; b < a.layers; ++b)
        for (const auto* name : {&f.qkvFused, &f.q, &f.k, &f.v, &f.o, &f.gateUpFused, &f.gate, &f.up, &f.down})
            if (!name->empty())
                modules.push_back(a.blockModule(b, *name));
    return modules;
}

BlockWeights loadBlock(const ModelSource& source, const ModelArchitecture& a, int block)
{
    const auto& f = *a.family;
    const Eigen::Index q = Eigen::Index(a.heads) * a.headDim, kv = Eigen::Index(a.kvHeads) * a.headDim;
    auto module = [&](const std::string& name) { return a.blockModule(block, name); };
    BlockWeights w;
    w.norm1 = loadNorm(source, a, module(f.norm1));
    w.norm2 = loadNorm(source, a, module(f.norm2));
    if (!f.qkvFused.empty())
        w.attention.push_back(loadLinear(source, a, module(f.qkvFused), q + 2 * kv, a.hidden));
    else
        for (const auto& [name, rows] : {std::pair{f.q, q}, std::pair{f.k, kv}, std::pair{f.v, kv}})
            w.attention.push_back(loadLinear(source, a, module(name), rows, a.hidden));
    w.output = loadLinear(source, a, module(f.o), a.hidden, q);
    if (!f.gateUpFused.empty())
        w.mlpIn.push_back(loadLinear(source, a, module(f.gateUpFused), 2 * Eigen::Index(a.intermediate), a.hidden));
    else
        for (const auto* name : {&f.gate, &f.up})
            if (!name->empty())
                w.mlpIn.push_back(loadLinear(source, a, module(*name), a.intermediate, a.hidden));
    w.down = loadLinear(source, a, module(f.down), a.hidden, a.intermediate);
    return w;
}

} // namespace loftq::model
