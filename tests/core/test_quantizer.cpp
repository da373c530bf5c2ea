// Quantizers against the torch tables (tests/oracle and shared/reference), the bitsandbytes NF4
// table and a brute-force nearest-entry search. Whole matrices against the reference cases:
// test_loftq_cases.
#include "loftq/quantizer.hpp"
#include "brute_force_code.hpp"
#include "test_paths.hpp"

#include <QtTest>
#include <cmath>
#include <random>

using namespace loftq;

namespace {

// Uniform scales are mean + 2.5 std in float; torch's last bit depends on its summation order
// (1.3e-7 relative on its 64 sample blocks, docs/algorithm.md).
constexpr double kUniformScaleRelTolerance = 1.3e-7;

std::vector<float> hexFloats(const std::string& hex)
{
    std::vector<float> out;
    for (std::size_t i = 0; i + 8 <= hex.size(); i += 8) {
        std::uint32_t bits = 0;
        for (int b = 0; b < 4; ++b)
            bits |= std::uint32_t(std::stoul(hex.substr(i + 2 * b, 2), nullptr, 16)) << (8 * b);
        out.push_back(std::bit_cast<float>(bits));
    }
    return out;
}

} // namespace

class TestQuantizer : public QObject {
    Q_OBJECT
private slots:
    // The tables torch 2.11 printed (tests/oracle) and the PyTorch reference's (shared/reference).
    void tablesEqualTheReferencesBitForBit_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("key");
        QTest::newRow("torch_codebooks.json") << QString::fromStdString(test::oracleDir() + "/torch_codebooks.json") << "";
        QTest::newRow("shared codebooks.json") << QString::fromStdString(test::sharedReference() + "/codebooks.json")
                                               << "codebooks";
    }

    void tablesEqualTheReferencesBitForBit()
    {
        QFETCH(QString, file);
        QFETCH(QString, key);
        LOFTQ_REQUIRE_SHARED(file.toStdString());
        auto tables = test::readJson(file.toStdString());
        if (!key.isEmpty())
            tables = tables.at(key.toStdString());
        for (const auto& q : allQuantizers())
            for (int bits : q.supportedBits) {
                const auto name = std::string(q.name) + std::to_string(bits);
                const auto expected = tables.at(name).get<std::vector<float>>();
                const auto& table = codebook(q.method, bits);
                QCOMPARE(table.size(), expected.size());
                for (std::size_t i = 0; i < table.size(); ++i)
                    if (std::bit_cast<std::uint32_t>(table[i]) != std::bit_cast<std::uint32_t>(expected[i]))
                        QFAIL(qPrintable(QString("%1[%2] = %3, reference %4").arg(name.c_str()).arg(i).arg(table[i], 0, 'g', 9).arg(expected[i], 0, 'g', 9)));
            }
    }

    void nf4IsTheBitsandbytesTable()
    {
        const std::vector<float> bnb{-1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
                                     -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
                                     0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f,
                                     0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
                                     0.7229568362236023f, 1.0f};
        QCOMPARE(codebook(QuantMethod::NormalFloat, 4), bnb);
    }

    void uniformScalesMatchTorch()
    {
        const auto torch = test::readJson(test::oracleDir() + "/torch_codebooks.json").at("uniform_scale_sample");
        const auto x = hexFloats(torch.at("x").get<std::string>());
        const auto scales = hexFloats(torch.at("scale").get<std::string>());
        QuantizedBlocks q;
        quantizeBlockwise({QuantMethod::Uniform, 4, 64}, x, q);
        QCOMPARE(q.scales.size(), scales.size());
        for (std::size_t i = 0; i < scales.size(); ++i)
            QVERIFY(std::fabs(q.scales[i] - scales[i]) <= kUniformScaleRelTolerance * std::fabs(scales[i]));
    }

    void midpointSearchIsTheNearestEntry()
    {
        std::mt19937_64 rng(7);
        std::normal_distribution<float> normal(0, 1);
        std::vector<float> x(64 * 256);
        for (auto& v : x)
            v = normal(rng);
        for (const auto& traits : allQuantizers())
            for (int bits : traits.supportedBits) {
                const QuantizerSpec spec{traits.method, bits, 64};
                const auto& table = codebook(spec.method, bits);
                const auto& mids = codebookMidpoints(spec.method, bits);
                QuantizedBlocks q;
                quantizeBlockwise(spec, x, q);
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const float v = x[i] / q.scales[i / 64];
                    // Within a few ulps of a midpoint the two definitions may round apart.
                    const bool nearMidpoint = std::any_of(mids.begin(), mids.end(), [&](float m) {
                        return std::fabs(v - m) < 1e-6f;
                    });
                    if (!nearMidpoint)
                        QCOMPARE(int(q.codes[i]), test::bruteForceCode(table, std::clamp(v, -1.0f, 1.0f)));
                }
            }
    }

    void tiesGoToTheLowerCode()
    {
        const auto& mids = codebookMidpoints(QuantMethod::NormalFloat, 4);
        std::vector<float> x(64, 0.0f);
        x[0] = 1.0f; // scale 1: x / scale == x
        x[1] = mids[9];
        QuantizedBlocks q;
        quantizeBlockwise({QuantMethod::NormalFloat, 4, 64}, x, q);
        QCOMPARE(int(q.codes[1]), 9);
        QCOMPARE(int(q.codes[2]), 7); // 0.0 is entry 7
    }

    void zeroBlockDequantizesToZero()
    {
        for (const auto& traits : allQuantizers()) {
            std::vector<float> x(128, 0.0f), y(128, 1.0f);
            x[64] = 0.5f;
            QuantizedBlocks q;
            quantizeBlockwise({traits.method, 2, 64}, x, q, y);
            QCOMPARE(q.scales[0], 0.0f);
            for (int i = 0; i < 64; ++i)
                QCOMPARE(std::bit_cast<std::uint32_t>(y[i]), 0u); // +0, not -0
            std::vector<float> z(128);
            dequantizeBlockwise({traits.method, 2, 64}, q, z);
            QCOMPARE(z, y);
        }
    }

    void reciprocalArithmeticMatchesBitsandbytes()
    {
        // x / s and x * (1/s) differ in the last bit for some values; the bnb path must use the latter.
        std::mt19937_64 rng(3);
        std::uniform_real_distribution<float> u(-1, 1);
        std::vector<float> x(64 * 512);
        for (auto& v : x)
            v = u(rng) * 0.37f;
        QuantizedBlocks divide, reciprocal;
        quantizeBlockwise({QuantMethod::NormalFloat, 4, 64, ScaleArithmetic::Divide}, x, divide);
        quantizeBlockwise({QuantMethod::NormalFloat, 4, 64, ScaleArithmetic::MultiplyByReciprocal}, x, reciprocal);
        const auto& mids = codebookMidpoints(QuantMethod::NormalFloat, 4);
        for (std::size_t i = 0; i < x.size(); ++i) {
            const float v = x[i] * (1.0f / reciprocal.scales[i / 64]);
            const int expected = int(std::lower_bound(mids.begin(), mids.end(), v) - mids.begin());
            QCOMPARE(int(reciprocal.codes[i]), expected);
        }
    }

    void anyThreadCountGivesTheSameCodes()
    {
        std::mt19937_64 rng(11);
        std::normal_distribution<float> normal(0, 1);
        std::vector<float> x(64 * 1000);
        for (auto& v : x)
            v = normal(rng);
        QuantizedBlocks one, two;
        quantizeBlockwise({QuantMethod::Uniform, 3, 64}, x, one, {}, 1);
        quantizeBlockwise({QuantMethod::Uniform, 3, 64}, x, two, {}, 2);
        QCOMPARE(one.codes, two.codes);
        QCOMPARE(one.scales, two.scales);
    }

    void indivisibleSizesAndUnsupportedBitsAreExplained()
    {
        QVERIFY(checkQuantizable({QuantMethod::NormalFloat, 4, 64}, 128).empty());
        QVERIFY(checkQuantizable({QuantMethod::NormalFloat, 4, 64}, 100).find("not divisible") != std::string::npos);
        QVERIFY(checkQuantizable({QuantMethod::NormalFloat, 5, 64}, 128).find("does not support 5 bits") !=
                std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestQuantizer)
#include "test_quantizer.moc"
