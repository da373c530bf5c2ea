// Exact and randomized truncated SVD. The randomized path (Halko, Martinsson, Tropp 2011, Alg. 4.4)
// costs O(m n (r + p)(2q + 2)) instead of a full SVD's O(m n min(m, n)).
#include "loftq/errors.hpp"
#include "loftq/parallel_gemm.hpp"
#include "loftq/svd.hpp"

#include <Eigen/QR>
#include <Eigen/SVD>
#include <random>

namespace loftq {
namespace {

// Orthonormal basis of Y's columns by Householder QR (never Gram-Schmidt: it loses orthogonality
// on the nearly dependent columns power iterations produce).
Eigen::MatrixXf orthonormalize(const Eigen::MatrixXf& Y)
{
    Eigen::HouseholderQR<Eigen::MatrixXf> qr(Y);
    return qr.householderQ() * Eigen::MatrixXf::Identity(Y.rows(), Y.cols());
}

Eigen::MatrixXf gaussian(Eigen::Index rows, Eigen::Index cols, std::uint64_t seed)
{
    std::mt19937_64 engine(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    Eigen::MatrixXf G(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i)
            G(i, j) = normal(engine);
    return G;
}

TruncatedSvd exactSvd(Eigen::Ref<const MatrixRM> M, int rank)
{
    const Eigen::MatrixXf dense = M;
    Eigen::BDCSVD<Eigen::MatrixXf> svd(dense, Eigen::ComputeThinU | Eigen::ComputeThinV);
    return {svd.matrixU().leftCols(rank), svd.singularValues().head(rank), svd.matrixV().leftCols(rank)};
}

TruncatedSvd randomizedSvd(Eigen::Ref<const MatrixRM> M, int rank, const SvdOptions& o,
                           const Eigen::MatrixXf* warmStart)
{
    const Eigen::Index m = M.rows(), n = M.cols();
    const Eigen::Index k = std::min<Eigen::Index>(rank + o.oversample, std::min(m, n));
    Eigen::MatrixXf omega;
    int power = o.powerIterations;
    if (warmStart && warmStart->rows() == n && warmStart->cols() <= k) {
        omega.resize(n, k);
        omega.leftCols(warmStart->cols()) = *warmStart;
        omega.rightCols(k - warmStart->cols()) = gaussian(n, k - warmStart->cols(), o.seed);
        power = o.warmPowerIterations;
    } else {
        omega = gaussian(n, k, o.seed);
    }
    Eigen::MatrixXf Y, Z;
    multiply(M, omega, Y, o.threads);
    for (int i = 0; i < power; ++i) {
        multiplyTransposed(M, orthonormalize(Y), Z, o.threads);
        multiply(M, orthonormalize(Z), Y, o.threads);
    }
    const Eigen::MatrixXf Qy = orthonormalize(Y);       // m x k, range of M
    multiplyTransposed(M, Qy, Z, o.threads);            // Z = M^T Qy, n x k, so M ~ Qy Z^T
    Eigen::HouseholderQR<Eigen::MatrixXf> qr(Z);         // Z = Qz Rz
    const Eigen::MatrixXf Qz = qr.householderQ() * Eigen::MatrixXf::Identity(n, k);
    const Eigen::MatrixXf Rz = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
    Eigen::JacobiSVD<Eigen::MatrixXf> small(Rz, Eigen::ComputeFullU | Eigen::ComputeFullV);
    // M ~ Qy Rz^T Qz^T = Qy (Vs S Us^T) Qz^T: left vectors Qy Vs, right vectors Qz Us.
    TruncatedSvd out;
    out.U = Qy * small.matrixV().leftCols(rank);
    out.S = small.singularValues().head(rank);
    out.V = Qz * small.matrixU().leftCols(rank);
    return out;
}

} // namespace

std::optional<SvdMethod> parseSvdMethod(std::string_view name)
{
    if (name == "exact")
        return SvdMethod::Exact;
    if (name == "fast")
        return SvdMethod::Fast;
    return std::nullopt;
}

std::string_view svdMethodName(SvdMethod m) { return m == SvdMethod::Exact ? "exact" : "fast"; }

TruncatedSvd truncatedSvd(Eigen::Ref<const MatrixRM> M, int rank, const SvdOptions& options,
                          const Eigen::MatrixXf* warmStart)
{
    rank = std::min<int>(rank, static_cast<int>(std::min(M.rows(), M.cols())));
    if (options.method == SvdMethod::Exact)
        return exactSvd(M, rank);
    return randomizedSvd(M, rank, options, warmStart);
}

Eigen::VectorXf singularValues(Eigen::Ref<const MatrixRM> M)
{
    const Eigen::MatrixXf dense = M;
    return Eigen::BDCSVD<Eigen::MatrixXf>(dense).singularValues();
}

} // namespace loftq
