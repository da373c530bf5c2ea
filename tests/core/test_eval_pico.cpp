// pico-llama (a trained byte-level model) against transformers + PEFT on a license text: the
// original, a 2-bit and a 4-bit export (alpha 32 != r 16), each with the adapter and as the backbone
// alone. The 4-bit run writes hf-peft, bnb-nf4 and packed; all three must give the same figures
// (checked on the first four windows), since they stand for the same Q and adapter.
#include "eval_reference.hpp"
#include "loftq/cpu_level.hpp"

#include <QTemporaryDir>

using namespace loftq;

namespace {
// transformers evaluated exports this engine made with its x86-64-v4 kernels (the quantize
// commands below; tests/tools/make_eval_reference.py). At another level LoftQ's steps round
// differently (docs/cpu-dispatch.md), the exports made here differ from those, and only the whole
// text's NLL is compared, within what the levels' exports differ by.
constexpr std::string_view kReferenceExportsLevel = "x86-64-v4";
constexpr double kOtherLevelNllTolerance = 0.03;
} // namespace

class TestEvalPico : public QObject {
    Q_OBJECT
    QTemporaryDir exports_;

private slots:
    // As `loftq quantize pico-llama -o pico2 --bits 2 --rank 16 --format packed --format hf-peft` and
    // `... -o pico4 --bits 4 --rank 16 --alpha 32 --format packed --format hf-peft --format bnb-nf4` made them.
    void initTestCase()
    {
        const auto pico = Checkpoint::open(test::picoLlama());
        Plan twoBit;
        twoBit.defaults.bits = 2;
        runJob(pico, twoBit, {.outputDir = exports_.filePath("pico2").toStdString(),
                              .formats = {ExportFormat::Packed, ExportFormat::HfPeft}, .threads = 2});
        Plan fourBit;
        fourBit.alpha = 32;
        runJob(pico, fourBit, {.outputDir = exports_.filePath("pico4").toStdString(),
                               .formats = {ExportFormat::Packed, ExportFormat::HfPeft, ExportFormat::BnbNf4},
                               .threads = 2});
    }

    void picoMatchesTransformers_data()
    {
        QTest::addColumn<QString>("name");
        for (const auto& c : test::evalCases())
            if (c.at("name").get<std::string>().starts_with("pico"))
                QTest::newRow(c.at("name").get<std::string>().c_str()) << QString::fromStdString(c.at("name"));
    }

    void picoMatchesTransformers()
    {
        QFETCH(QString, name);
        const auto c = test::evalCase(name.toStdString());
        const auto r = test::runEvalCase(c, exports_.path().toStdString());
        const auto reference = test::evalReference().at(name.toStdString()); // a copy: evalReference() returns by value
        if (c.contains("packed") && cpu::activeLevel() != kReferenceExportsLevel) {
            const double nll = reference.at("nll");
            qInfo("kernels at %s, not %s: NLL %.6f, transformers on the reference's export %.6f",
                  std::string(cpu::activeLevel()).c_str(), kReferenceExportsLevel.data(), r.metrics.nll, nll);
            QVERIFY(std::abs(r.metrics.nll - nll) <= kOtherLevelNllTolerance);
        } else {
            test::compareWithReference(r, reference, test::kNllTolerance);
        }
        QVERIFY(std::abs(r.metrics.bitsPerByte - r.metrics.nll / std::log(2.0)) < 1e-12); // one token per byte
        if (name.startsWith("pico-llama-4bit")) {
            // The three formats agree bit for bit; four windows show it as well as the whole text.
            auto shorter = c;
            shorter["max_tokens"] = 4 * c.at("context").get<int>();
            const auto packed = test::runEvalCase(shorter, exports_.path().toStdString());
            QCOMPARE(packed.metrics.windowNll, std::vector(r.metrics.windowNll.begin(), r.metrics.windowNll.begin() + 4));
            for (const char* format : {"hf-peft", "bnb-nf4"}) {
                const auto other = test::runEvalCase(shorter, exports_.path().toStdString(), 2, format);
                QCOMPARE(other.metrics.windowNll, packed.metrics.windowNll);
                QCOMPARE(other.comparison->perPredictionKl, packed.comparison->perPredictionKl);
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestEvalPico)
#include "test_eval_pico.moc"
