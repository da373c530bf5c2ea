// Exact and randomized truncated SVD. The randomized path (Halko, Martinsson, Tropp 2011, Alg. 4.4)
// costs O(m n (r + p)(2q + 2)) instead of a full SVD's O(m n min(m, n)).
#include "loftq/errors.hpp"
#include "linalg/parallel_gemm.hpp"
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

// The top-r SVD of M restricted to the range of Qy, from the QR factors of Z = M^T Qy = Qz Rz
// (so M ~ Qy Rz^T Qz^T): Rz = Us S Vs^T, hence M ~ (Qy Vs) S (Qz Us)^T.
TruncatedSvd projectedSvd(const Eigen::MatrixXf& Qy, const Eigen::MatrixXf& Qz, const Eigen::MatrixXf& Rz, int rank)
{
    Eigen::BDCSVD<Eigen::MatrixXf> small(Rz, Eigen::ComputeFullU | Eigen::ComputeFullV);
    TruncatedSvd out;
    out.U = Qy * small.matrixV().leftCols(rank);
    out.S = small.singularValues().head(rank);
    out.V = Qz * small.matrixU().leftCols(rank);
    return out;
}

// Subspace iteration from a random (or warm) start. After each pass the captured energy
// ||S_r||^2 is known, and ||M - U S V^T||^2 = ||M||^2 - ||S_r||^2. Gains shrink about
// geometrically, so the gain still to come is estimated as gain * rho / (1 - rho) with rho the
// ratio of the last two gains; iterations stop when that is below the tolerance. The rule depends
// only on the data, never on timing, so results stay reproducible.
TruncatedSvd randomizedSvd(const LinearOperator& M, double total, int rank, const SvdOptions& o,
                           const Eigen::MatrixXf* warm)
{
    const Eigen::Index m = M.rows, n = M.cols;
    const Eigen::Index k = std::min<Eigen::Index>(rank + o.oversample, std::min(m, n));
    Eigen::MatrixXf omega;
    if (warm && warm->rows() == n && warm->cols() <= k) {
        omega.resize(n, k);
        omega.leftCols(warm->cols()) = *warm;
        omega.rightCols(k - warm->cols()) = gaussian(n, k - warm->cols(), o.seed);
    } else {
        omega = gaussian(n, k, o.seed);
    }
    // LoftQ's error is a sum over all m n residuals, so how far a slightly different top-r
    // subspace moves it shrinks with the matrix's size (measured: +-0.3% on 256 x 512 matrices of
    // pico-llama at tolerance 2e-4, +-0.004% on 2048 x 2048). Small matrices, where iterations are
    // cheap, get the tolerance as given; larger ones a looser one, by sqrt(m n / 2^20).
    const double tolerance = o.tolerance * std::sqrt(std::max(1.0, double(m) * double(n) / double(1 << 20)));
    Eigen::MatrixXf Y, Z;
    M.times(omega, Y);
    int products = 1;
    double energy = -1, gain = -1;
    for (int iteration = 0;; ++iteration) {
        const Eigen::MatrixXf Qy = orthonormalize(Y);
        M.transposedTimes(Qy, Z);
        ++products;
        Eigen::HouseholderQR<Eigen::MatrixXf> qr(Z);
        const Eigen::MatrixXf Qz = qr.householderQ() * Eigen::MatrixXf::Identity(n, Z.cols());
        const Eigen::MatrixXf Rz = qr.matrixQR().topRows(Z.cols()).triangularView<Eigen::Upper>();
        TruncatedSvd svd = projectedSvd(Qy, Qz, Rz, rank);
        const double now = svd.S.cast<double>().squaredNorm();
        const double newGain = energy < 0 ? -1 : now - energy;
        bool converged = false;
        if (newGain >= 0 && gain > 0) {
            const double rho = std::min(0.99, newGain / gain);
            const double toCome = newGain * rho / (1 - rho);
            // Relative error excess ~ toCome / (2 err^2), err^2 = total - captured energy.
            converged = toCome <= 2 * tolerance * std::max(total - now, 0.0);
        } else if (newGain >= 0) {
            converged = newGain <= 2 * tolerance * std::max(total - now, 0.0);
        }
        if (newGain >= 0)
            gain = newGain;
        energy = now;
        if (iteration >= o.maxPowerIterations || (iteration >= o.minPowerIterations && converged)) {
            svd.products = products;
            svd.sketchColumns = int(k);
            return svd;
        }
        M.times(Qz, Y);
        ++products;
    }
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

TruncatedSvd truncatedSvd(Eigen::Ref<const MatrixRM> M, int rank, const SvdOptions& options, const SvdHints& hints)
{
    rank = std::min<int>(rank, static_cast<int>(std::min(M.rows(), M.cols())));
    if (options.method == SvdMethod::Exact)
        return exactSvd(M, rank);
    const double total = hints.squaredNorm ? *hints.squaredNorm : M.cast<double>().squaredNorm();
    const int threads = options.threads;
    const LinearOperator product{
        M.rows(), M.cols(), [&](const Eigen::MatrixXf& X, Eigen::MatrixXf& Y) { multiply(M, X, Y, threads); },
        [&](const Eigen::MatrixXf& Y, Eigen::MatrixXf& Z) { multiplyTransposed(M, Y, Z, threads); }};
    return randomizedSvd(product, total, rank, options, hints.warmStart);
}

TruncatedSvd randomizedTruncatedSvd(const LinearOperator& M, double squaredNorm, int rank, const SvdOptions& options,
                                    const Eigen::MatrixXf* warmStart)
{
    rank = std::min<int>(rank, static_cast<int>(std::min(M.rows, M.cols)));
    return randomizedSvd(M, squaredNorm, rank, options, warmStart);
}

Eigen::VectorXf singularValues(Eigen::Ref<const MatrixRM> M)
{
    const Eigen::MatrixXf dense = M;
    return Eigen::BDCSVD<Eigen::MatrixXf>(dense).singularValues();
}

} // namespace loftq
