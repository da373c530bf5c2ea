#include "tensor_values.hpp"

#include "loftq/errors.hpp"

namespace loftq::model {
namespace {

void requireFloating(const TensorInfo& t, const std::string& label)
{
    if (!isFloatingWeight(t.dtype))
        throwBadInput(label, "tensor " + quoteName(t.name) + " has dtype " + std::string(dtypeName(t.dtype)) +
                                 "; the forward pass needs floating values");
}

} // namespace

MatrixRM tensorValues(const TensorInfo& t, std::span<const std::byte> bytes, const std::string& label)
{
    requireFloating(t, label);
    const auto count = Eigen::Index(t.elementCount());
    const Eigen::Index rows = t.shape.size() >= 2 ? Eigen::Index(t.shape[0]) : 1;
    MatrixRM m(rows, rows ? count / rows : 0);
    toFloat32(t.dtype, bytes.data(), m.data(), std::size_t(count));
    return m;
}

MatrixRM tensorRows(const TensorInfo& t, std::span<const std::byte> bytes, const std::vector<std::int64_t>& rows,
                    const std::string& label)
{
    requireFloating(t, label);
    if (t.shape.size() != 2)
        throwBadInput(label, "tensor " + quoteName(t.name) + " is not a matrix");
    const auto cols = t.shape[1];
    const auto rowBytes = std::size_t(cols) * dtypeSize(t.dtype);
    MatrixRM m(Eigen::Index(rows.size()), cols);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i] < 0 || rows[i] >= t.shape[0])
            throwBadInput(label, "row " + std::to_string(rows[i]) + " of " + quoteName(t.name) + " is out of range");
        toFloat32(t.dtype, bytes.data() + std::size_t(rows[i]) * rowBytes, m.row(Eigen::Index(i)).data(), std::size_t(cols));
    }
    return m;
}

} // namespace loftq::model
