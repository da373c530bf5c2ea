#pragma once
// Internal: the runner's per-target passes over a whole weight matrix (the NaN/Inf check and the
// error of what is exported), in a source of their own so that they run at the CPU level the
// engine's kernels run at (docs/cpu-dispatch.md).
#include "loftq/dtype.hpp"
#include "loftq/loftq_matrix.hpp"

namespace loftq {

// True when every value of m is finite.
bool allFinite(const MatrixRM& m, int threads);

// The adapter factors as exported (scaled by sqrt(rank / alpha), rounded to their dtype) and the
// relative error of W against the exported Q + (alpha / rank) B A.
struct ExportedMeasure {
    Eigen::MatrixXf A, B;
    double relError = 0;
};

// Rounds r.Q in place to qDtype (it becomes the exported Q) and measures the exported error.
ExportedMeasure measureExported(const MatrixRM& W, LoftqResult& r, DType qDtype, DType adapterDtype, double alpha,
                                int threads);

} // namespace loftq
