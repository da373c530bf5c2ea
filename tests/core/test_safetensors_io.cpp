// safetensors round trips, dtype conversions and checkpoint opening on real fixtures.
#include "loftq/atomic_file.hpp"
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <bit>
#include <cstring>

using namespace loftq;

class TestSafetensorsIo : public QObject {
    Q_OBJECT
private slots:
    void bf16RoundsToNearestEven()
    {
        // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties go to even (1.0).
        float v[] = {1.0f + 1.0f / 256, 1.0f + 3.0f / 256, -2.5f, 65504.0f};
        std::byte raw[8];
        fromFloat32(DType::BF16, v, raw, 4);
        float back[4];
        toFloat32(DType::BF16, raw, back, 4);
        QCOMPARE(back[0], 1.0f);
        QCOMPARE(back[1], 1.015625f);
        QCOMPARE(back[2], -2.5f);
        QCOMPARE(back[3], 65536.0f);
    }

    void f16ConversionIsExactForRepresentableValues()
    {
        float v[] = {0.5f, -3.75f, 1.0f / 1024, 65504.0f};
        std::byte raw[8];
        fromFloat32(DType::F16, v, raw, 4);
        float back[4];
        toFloat32(DType::F16, raw, back, 4);
        for (int i = 0; i < 4; ++i)
            QCOMPARE(back[i], v[i]);
        std::uint16_t bits;
        std::memcpy(&bits, raw, 2);
        QCOMPARE(bits, std::uint16_t(0x3800)); // 0.5 in IEEE half
    }

    void writtenFileReadsBack()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("t.safetensors").toStdString();
        std::vector<float> a{1, 2, 3, 4, 5, 6};
        std::vector<std::uint8_t> b{7, 8, 9};
        std::vector<TensorInfo> infos{{"a", DType::F32, {2, 3}, 0, 24}, {"b", DType::U8, {3}, 24, 27}};
        {
            AtomicFile f(path);
            f.write(serializeSafetensorsHeader(infos, {{"format", "pt"}}));
            f.write(std::as_bytes(std::span(a)));
            f.write(std::as_bytes(std::span(b)));
            f.commit();
        }
        const auto file = SafetensorsFile::open(path);
        QCOMPARE(file->header().headerBytes % 8, 0u);
        QCOMPARE(file->header().metadata.at("format"), std::string("pt"));
        const auto* ta = file->find("a");
        QVERIFY(ta);
        QCOMPARE(ta->shape, (std::vector<std::int64_t>{2, 3}));
        QCOMPARE(std::memcmp(file->data(*ta).data(), a.data(), 24), 0);
        QCOMPARE(std::to_integer<int>(file->data(*file->find("b"))[2]), 9);
    }

    void atomicFileLeavesNothingWithoutCommit()
    {
        QTemporaryDir dir;
        const std::string path = dir.filePath("x.bin").toStdString();
        {
            AtomicFile f(path);
            f.write(std::string("partial"));
        }
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(), 0);
    }

    void opensShardedFixture()
    {
        const auto cp = Checkpoint::open(test::fixture("llama-sharded-bf16"));
        QVERIFY(cp.isSharded());
        QVERIFY(cp.shards().size() >= 2);
        QCOMPARE(cp.modelType(), std::string("llama"));
        const auto* t = cp.find("model.layers.0.self_attn.q_proj.weight");
        QVERIFY(t);
        QCOMPARE(t->info.dtype, DType::BF16);
        const auto m = cp.readMatrix(*t);
        QCOMPARE(m.rows(), 64);
        QVERIFY(m.allFinite() && m.norm() > 0);
        // The f16 and bf16 fixtures were saved from models with the same seed, so they differ
        // only by rounding: bf16 keeps 8 significant bits.
        const auto f16 = Checkpoint::open(test::fixture("llama"));
        const auto mf = f16.readMatrix(*f16.find("model.layers.0.self_attn.q_proj.weight"));
        QVERIFY((m - mf).cwiseAbs().maxCoeff() <= mf.cwiseAbs().maxCoeff() / 128);
    }

    void missingPathNamesThePath()
    {
        try {
            Checkpoint::open("/nonexistent/model");
            QFAIL("expected an error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::BadInput);
            QVERIFY(std::string(e.what()).find("/nonexistent/model") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestSafetensorsIo)
#include "test_safetensors_io.moc"
