// Codebook tables, computed the way the reference code computes them (see docs/quantizers.md):
// torch.linspace in float32, the normal quantile in float64, the table normalized in float32.
#include "codebooks.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace loftq::detail {
namespace {

// torch's CPU linspace for float32: a float step, the first half counted up from the start and
// the second half down from the end. Matching it keeps our tables bit-identical to the reference.
// torch's kernel computes start + step * i with one rounding (a fused multiply-add); std::fma says
// so explicitly. Left to the compiler, only gcc with -march=native fused it: clang, -O0 and portable
// (LOFTQ_NATIVE=OFF) builds gave 150 of the 568 table entries that differ from torch's.
std::vector<float> torchLinspace(float start, float end, int steps)
{
    std::vector<float> out(steps);
    if (steps == 1) {
        out[0] = start;
        return out;
    }
    const float step = (end - start) / static_cast<float>(steps - 1);
    const int halfway = steps / 2;
    for (int i = 0; i < steps; ++i) {
        if (i < halfway) {
            out[i] = std::fma(step, static_cast<float>(i), start);
        } else {
            out[i] = std::fma(-step, static_cast<float>(steps - i - 1), end);
        }
    }
    return out;
}

} // namespace

double normalQuantile(double p)
{
    // Acklam's rational approximation, then two Halley steps on erfc: accurate to ~1 ulp.
    static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                               1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
    static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                               6.680131188771972e+01,  -1.328068155288572e+01};
    static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                               -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
    static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                               3.754408661907416e+00};
    if (p <= 0)
        return -INFINITY;
    if (p >= 1)
        return INFINITY;
    const double plow = 0.02425;
    double x;
    if (p < plow) {
        const double q = std::sqrt(-2 * std::log(p));
        x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    } else if (p <= 1 - plow) {
        const double q = p - 0.5, r = q * q;
        x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
            (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
    } else {
        const double q = std::sqrt(-2 * std::log(1 - p));
        x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
            ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    for (int i = 0; i < 2; ++i) {
        const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
        const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
        x = x - u / (1 + x * u / 2);
    }
    return x;
}

std::vector<float> normalFloatTable(int bits)
{
    constexpr float kOffset = 0.9677083f;
    const int half = (1 << bits) / 2;
    std::vector<float> values;
    const auto positive = torchLinspace(kOffset, 0.5f, half + 1);
    for (int i = 0; i < half; ++i) // [:-1]
        values.push_back(static_cast<float>(normalQuantile(positive[i])));
    values.push_back(0.0f);
    const auto negative = torchLinspace(kOffset, 0.5f, half);
    for (int i = 0; i + 1 < half; ++i)
        values.push_back(static_cast<float>(-normalQuantile(negative[i])));
    std::sort(values.begin(), values.end());
    const float max = values.back();
    for (auto& v : values)
        v /= max;
    return values;
}

std::vector<float> uniformTable(int bits) { return torchLinspace(-1.0f, 1.0f, 1 << bits); }

} // namespace loftq::detail
