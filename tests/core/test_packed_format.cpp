// The packed low-bit export (docs/packed-format.md): bit packing against hand-worked bytes; every
// bit width and quantizer decoded by the independent numpy reader (tests/tools/decode_lowbit.py)
// and compared with the hf-peft export's Q; `unpack` byte-identical to the direct export; the
// 2-bit size bound on pico-llama; tampered and foreign files refused.
#include "loftq/errors.hpp"
#include "loftq/packed_format.hpp"
#include "loftq/runner.hpp"
#include "lowbit_decoder.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using namespace loftq;

namespace {

std::string readFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const std::string& path, const std::string& bytes)
{
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Every file under `root`, relative, sorted.
std::vector<std::string> filesUnder(const std::string& root)
{
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root))
        if (e.is_regular_file())
            files.push_back(fs::relative(e.path(), root).string());
    std::sort(files.begin(), files.end());
    return files;
}

// Exports hf-peft and packed in one run into `out` (out/hf-peft, out/packed).
RunReport exportBoth(const std::string& source, const Plan& plan, const std::string& out)
{
    return runJob(Checkpoint::open(source), plan, {.outputDir = out, .formats = {ExportFormat::HfPeft, ExportFormat::Packed}});
}

// Rank 4: the fixtures are tiny.
Plan smallPlan(int bits, int steps, QuantMethod method = QuantMethod::NormalFloat)
{
    Plan plan;
    plan.defaults.method = method;
    plan.defaults.bits = bits;
    plan.defaults.rank = 4;
    plan.defaults.steps = steps;
    return plan;
}

std::vector<std::uint8_t> bytes(std::initializer_list<int> v) { return {v.begin(), v.end()}; }

void expectBadInput(const std::function<void()>& f, const std::string& phrase)
{
    try {
        f();
    } catch (const Error& e) {
        QCOMPARE(e.kind(), ErrorKind::BadInput);
        QVERIFY2(std::string(e.what()).find(phrase) != std::string::npos, e.what());
        return;
    }
    QFAIL(("accepted; expected an error about " + phrase).c_str());
}

} // namespace

class TestPackedFormat : public QObject {
    Q_OBJECT
private slots:
    void packingMatchesTheWorkedExamples()
    {
        // docs/packed-format.md, computed by hand: little-endian bit stream, LSB first.
        QCOMPARE(packCodes(bytes({1, 2, 3, 0}), 2), bytes({0x39}));
        QCOMPARE(packCodes(bytes({10, 3}), 4), bytes({0x3A}));
        QCOMPARE(packCodes(bytes({5, 3, 7, 1, 6, 2, 0, 4}), 3), bytes({0xDD, 0x63, 0x81}));
        QCOMPARE(packCodes(bytes({200, 7}), 8), bytes({200, 7}));
        QCOMPARE(packCodes(bytes({7}), 3), bytes({0x07})); // unused high bits are 0
        QCOMPARE(unpackCodes(bytes({0xDD, 0x63, 0x81}), 3, 8), bytes({5, 3, 7, 1, 6, 2, 0, 4}));
    }

    void packingRoundTripsEveryWidth_data()
    {
        QTest::addColumn<int>("bits");
        for (int b : {2, 3, 4, 8})
            QTest::newRow(qPrintable(QString("%1 bits").arg(b))) << b;
    }

    void packingRoundTripsEveryWidth()
    {
        QFETCH(int, bits);
        std::mt19937_64 rng(bits);
        for (std::size_t n : {1u, 2u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u}) {
            std::vector<std::uint8_t> codes(n);
            for (auto& c : codes)
                c = std::uint8_t(rng() & ((1u << bits) - 1));
            const auto packed = packCodes(codes, bits);
            QCOMPARE(packed.size(), std::size_t((n * bits + 7) / 8));
            QCOMPARE(packedCodeBytes(n, bits), std::uint64_t(packed.size()));
            QCOMPARE(unpackCodes(packed, bits, n), codes);
        }
    }

    void unpackingTooFewBytesIsAnError()
    {
        expectBadInput([] { unpackCodes(bytes({0xff}), 3, 3); }, "cannot hold");
    }

    void everyWidthAndQuantizerDecodesToTheHfQ_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<QString>("method");
        QTest::addColumn<int>("bits");
        for (const char* m : {"nf", "uniform"})
            for (int b : {2, 3, 4, 8})
                QTest::newRow(qPrintable(QString("%1%2").arg(m).arg(b))) << "llama-sharded-bf16" << m << b;
        QTest::newRow("gpt2 Conv1D nf3") << "gpt2" << "nf" << 3;
        QTest::newRow("llama f16 uniform2") << "llama" << "uniform" << 2;
    }

    void everyWidthAndQuantizerDecodesToTheHfQ()
    {
        QFETCH(QString, fixture);
        QFETCH(QString, method);
        QFETCH(int, bits);
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        exportBoth(test::fixture(fixture.toStdString()), smallPlan(bits, 2, *parseQuantMethod(method.toStdString())), out);
        const auto r = test::decodeLowBit({"packed", QString::fromStdString(out + "/packed/model.loftq"),
                                          QString::fromStdString(out + "/hf-peft")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.output.right(3000)));
    }

    void decoderNoticesATamperedCode()
    {
        // The independent check must be able to fail: one flipped code bit is one changed weight.
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        exportBoth(test::fixture("llama"), smallPlan(2, 1), out);
        const std::string packed = out + "/packed/model.loftq";
        std::uint64_t at = 0;
        {
            const auto file = SafetensorsFile::open(packed);
            const auto* codes = file->find(std::string(kPackedCodesPrefix) + "model.layers.0.self_attn.q_proj.weight");
            QVERIFY(codes);
            at = file->header().dataStart() + codes->begin + 5;
        }
        std::string content = readFile(packed);
        content[at] = char(content[at] ^ 0x01);
        writeFile(packed, content);
        const auto r = test::decodeLowBit({"packed", QString::fromStdString(packed), QString::fromStdString(out + "/hf-peft")});
        QVERIFY2(r.exitCode != 0 && r.output.contains("Q differs"), qPrintable(r.output.right(3000)));
    }

    void unpackIsByteIdenticalToTheDirectExport_data()
    {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<int>("bits");
        QTest::addColumn<bool>("alphaAndBf16Adapters");
        QTest::newRow("llama sharded bf16, 3 bits") << "llama-sharded-bf16" << 3 << false;
        QTest::newRow("gpt2 Conv1D, alpha 16, bf16 adapters") << "gpt2" << 2 << true;
        QTest::newRow("bart encoder-decoder f16, 8 bits") << "bart" << 8 << false;
        QTest::newRow("phi3 fused projections, 4 bits") << "phi3" << 4 << true;
    }

    void unpackIsByteIdenticalToTheDirectExport()
    {
        QFETCH(QString, fixture);
        QFETCH(int, bits);
        QFETCH(bool, alphaAndBf16Adapters);
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan = smallPlan(bits, 2);
        if (alphaAndBf16Adapters) {
            plan.alpha = 16;
            plan.adapterDtype = DType::BF16;
            plan.rules.push_back({"mlp|fc", {}, {}, {.rank = 8}});
        }
        exportBoth(test::fixture(fixture.toStdString()), plan, out);
        // Unpack into the very folder the direct export had, so base_model_name_or_path agrees too.
        fs::rename(out + "/hf-peft", out + "/direct");
        unpackToHfPeft(out + "/packed/model.loftq", out + "/hf-peft", false);
        const auto direct = filesUnder(out + "/direct");
        QCOMPARE(filesUnder(out + "/hf-peft"), direct);
        QVERIFY(std::find(direct.begin(), direct.end(), "loftq_init/adapter_model.safetensors") != direct.end());
        for (const auto& f : direct)
            QVERIFY2(readFile(out + "/hf-peft/" + f) == readFile(out + "/direct/" + f), f.c_str());
    }

    void unpackRefusesForeignAndDamagedFiles()
    {
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        const std::string target = dir.filePath("unpacked").toStdString();
        expectBadInput([&] { unpackToHfPeft(test::fixture("llama"), target, false); }, "is a folder with no model.loftq");
        expectBadInput([&] { unpackToHfPeft(test::fixture("llama") + "/model.safetensors", target, false); },
                       "not a packed LoftQ export");
        exportBoth(test::fixture("llama"), smallPlan(2, 1), out);
        const std::string packed = out + "/packed/model.loftq";
        const std::string original = readFile(packed);
        // Same-length edits of the header, so the container itself stays valid safetensors.
        auto edited = [&](const std::string& from, const std::string& to) {
            std::string content = original;
            const auto at = content.find(from);
            QVERIFY2(at != std::string::npos, from.c_str());
            content.replace(at, from.size(), to);
            const std::string path = dir.filePath("edited.loftq").toStdString();
            writeFile(path, content);
        };
        const std::string editedPath = dir.filePath("edited.loftq").toStdString();
        edited(R"("loftq_packed_version":"1")", R"("loftq_packed_version":"9")");
        expectBadInput([&] { unpackToHfPeft(editedPath, target, false); }, "version 9");
        edited(R"(\"bits\":2)", R"(\"bits\":3)");
        expectBadInput([&] { unpackToHfPeft(editedPath, target, false); }, "; expected ");
        edited("loftq.file:config.json", "loftq.file:config.jsoX");
        expectBadInput([&] { unpackToHfPeft(editedPath, target, false); }, "config.json' is missing");
        QVERIFY(!fs::exists(target)); // refused before the output folder was touched
        // And into a folder that holds someone else's file.
        fs::create_directories(target);
        writeFile(target + "/config.json", "{}");
        expectBadInput([&] { unpackToHfPeft(packed, target, true); }, "not written by a previous export");
        expectBadInput([&] { unpackToHfPeft(packed, target, false); }, "not empty");
    }

    void picoLlamaTwoBitTargetsTakeAtMostSixteenPercentOfBf16()
    {
        const auto source = test::picoLlama();
        LOFTQ_REQUIRE_SHARED(source);
        QTemporaryDir dir;
        const std::string out = dir.filePath("out").toStdString();
        Plan plan = smallPlan(2, 1);
        plan.defaults.rank = 16;
        exportBoth(source, plan, out);
        const auto r = test::decodeLowBit({"packed", QString::fromStdString(out + "/packed/model.loftq"),
                                          QString::fromStdString(out + "/hf-peft"), "--max-target-ratio", "0.16"});
        QVERIFY2(r.exitCode == 0, qPrintable(r.output.right(3000)));
        const auto summary = test::lastJsonLine(r.output);
        QCOMPARE(summary.at("layers").get<int>(), 42);
        QCOMPARE(summary.at("target_ratio").get<double>(), 0.15625); // 2 bits + one float32 per 64
        // The whole file: targets, float32 adapters, embeddings and head, against the bf16 checkpoint.
        QVERIFY(fs::file_size(out + "/packed/model.loftq") < Checkpoint::open(source).totalBytes() / 3);
    }
};

QTEST_GUILESS_MAIN(TestPackedFormat)
#include "test_packed_format.moc"
