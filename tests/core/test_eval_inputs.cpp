// What evaluation reads from config.json and what it refuses: every refusal is Error(BadInput)
// naming the file and the problem (the CLI turns it into exit status 2 and one line).
#include "eval_reference.hpp"
#include "bad_input.hpp"
#include "loftq/errors.hpp"
#include "model/architecture.hpp"

#include <QTemporaryDir>
#include <numbers>

using namespace loftq;
namespace fs = std::filesystem;

namespace {

// A copy of a fixture folder with its config.json edited.
std::string editedFixture(const QTemporaryDir& dir, const std::string& fixture, const std::string& name,
                          const std::function<void(nlohmann::json&)>& edit)
{
    const auto folder = dir.filePath(QString::fromStdString(name)).toStdString();
    fs::create_directories(folder);
    for (const auto& f : fs::directory_iterator(test::sharedDir() + "/fixtures/" + fixture))
        fs::copy_file(f.path(), folder + "/" + f.path().filename().string());
    auto config = test::readJson(folder + "/config.json");
    edit(config);
    fs::permissions(folder + "/config.json", fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(folder + "/config.json") << config.dump(1);
    return folder;
}

EvalTokens fixtureTokens() { return tokensFromFile(test::dataDir() + "/fixture128.tokens.json"); }

EvalResult evaluateFolder(const std::string& folder, const std::string& original = {}, int context = 128)
{
    const auto model = openModelSource(folder);
    const auto originalSource = original.empty() ? nullptr : openModelSource(original);
    return evaluate(*model, originalSource.get(), fixtureTokens(), {.context = context, .threads = 2});
}

// The message of the BadInput error `run` throws.
QString badInputMessage(const std::function<void()>& run) { return QString::fromStdString(test::badInputOf(run)); }

} // namespace

class TestEvalInputs : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private slots:
    // The older top-level rope_theta / rope_scaling mean the same as rope_parameters, and are read
    // (on the trained stories260K: a random model's attention is too flat to feel the positions).
    void olderRopeKeysAreRead()
    {
        const auto stories = test::sharedDir() + "/fixtures/stories260K";
        const auto old = editedFixture(dir_, "stories260K", "old-rope", [](auto& c) {
            c.erase("rope_parameters");
            c["rope_theta"] = 10000.0;
            c["rope_scaling"] = nullptr;
        });
        const auto otherTheta = editedFixture(dir_, "stories260K", "theta", [](auto& c) {
            c.erase("rope_parameters");
            c["rope_theta"] = 500.0;
        });
        const auto nll = [](const std::string& folder) {
            return evaluate(*openModelSource(folder), nullptr, tokensFromFile(test::dataDir() + "/stories512.tokens.json"),
                            {.context = 256, .threads = 2})
                .metrics.nll;
        };
        const auto reference = nll(stories);
        QCOMPARE(nll(old), reference);
        QVERIFY(std::abs(nll(otherTheta) - reference) > 1e-3);
    }

    // Llama 3.1's rescaling (transformers' _compute_llama3_parameters): high frequencies kept, low
    // ones divided by the factor, the band between interpolated.
    void llama3RopeRescalesByWavelength()
    {
        const nlohmann::json p{{"rope_type", "llama3"}, {"rope_theta", 500000.0}, {"factor", 8.0},
                               {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                               {"original_max_position_embeddings", 8192}};
        const auto inv = model::ropeInverseFrequencies(p, 128, "test");
        const auto plain = model::ropeInverseFrequencies({{"rope_type", "default"}, {"rope_theta", 500000.0}}, 128, "test");
        QCOMPARE(inv.size(), std::size_t(64));
        for (std::size_t i = 0; i < inv.size(); ++i) {
            const double wavelen = 2 * std::numbers::pi / plain[i];
            if (wavelen < 8192 / 4.0)
                QCOMPARE(inv[i], plain[i]);
            else if (wavelen > 8192 / 1.0)
                QCOMPARE(inv[i], plain[i] / 8.0f);
            else {
                const double smooth = (8192 / wavelen - 1) / (4 - 1);
                QVERIFY(std::abs(inv[i] - ((1 - smooth) * plain[i] / 8 + smooth * plain[i])) < 1e-6 * plain[i]);
            }
        }
    }

    void unsupportedConfigsAreRefusedNamingTheKey_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value"); // JSON
        QTest::addColumn<QString>("expected");
        QTest::newRow("moe") << "num_local_experts" << "8" << "num_local_experts";
        QTest::newRow("softcap") << "final_logit_softcapping" << "30.0" << "final_logit_softcapping";
        QTest::newRow("activation") << "hidden_act" << "\"gelu_fast\"" << "hidden_act";
        QTest::newRow("rope type") << "rope_parameters" << R"({"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0})"
                                   << "rope type 'yarn'";
        QTest::newRow("model type") << "model_type" << "\"mixtral\"" << "model_type";
        QTest::newRow("sliding window") << "sliding_window" << "16" << "sliding_window";
        QTest::newRow("layer types") << "layer_types" << R"(["sliding_attention", "full_attention"])" << "layer_types";
    }

    void unsupportedConfigsAreRefusedNamingTheKey()
    {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        const auto folder = editedFixture(dir_, "llama-f16", "refuse-" + key.toStdString(), [&](auto& c) {
            c[key.toStdString()] = nlohmann::json::parse(value.toStdString());
        });
        const auto message = badInputMessage([&] { evaluateFolder(folder); });
        QVERIFY2(message.contains(expected) && message.contains(QString::fromStdString(folder)), qPrintable(message));
    }

    void encoderModelsAreRefused()
    {
        const auto message = badInputMessage([&] { evaluateFolder(test::sharedDir() + "/fixtures/bert-f32"); });
        QVERIFY2(message.contains("model_type") && message.contains("bert"), qPrintable(message));
    }

    void tooFewTokensAndForeignIdsAreRefused()
    {
        const auto llama = openModelSource(test::sharedDir() + "/fixtures/llama-f16");
        const EvalTokens shortText{std::vector<TokenId>(100, 1), 0, "short.json"};
        auto message = badInputMessage([&] { evaluate(*llama, nullptr, shortText, {.context = 128}); });
        QVERIFY2(message.startsWith("short.json: ") && message.contains("fewer than one window"), qPrintable(message));
        EvalTokens foreign{std::vector<TokenId>(256, 1), 0, "foreign.json"};
        foreign.ids[200] = 128;
        message = badInputMessage([&] { evaluate(*llama, nullptr, foreign, {.context = 128}); });
        QVERIFY2(message.startsWith("foreign.json: ") && message.contains("token id 128 at position 200"), qPrintable(message));
    }

    void tokenFilesAreArraysOrWhitespaceSeparated()
    {
        const auto array = dir_.filePath("a.json").toStdString(), spaced = dir_.filePath("b.txt").toStdString(),
                   bad = dir_.filePath("c.txt").toStdString();
        std::ofstream(array) << "[1, 2, 3]";
        std::ofstream(spaced) << "1 2\n3\n";
        std::ofstream(bad) << "1 2 x3";
        QCOMPARE(tokensFromFile(array).ids, (std::vector<TokenId>{1, 2, 3}));
        QCOMPARE(tokensFromFile(spaced).ids, (std::vector<TokenId>{1, 2, 3}));
        QVERIFY(badInputMessage([&] { tokensFromFile(bad); }).contains("x3"));
    }

    void modelsOfDifferentShapesAreNotCompared()
    {
        const auto message = badInputMessage([&] {
            evaluateFolder(test::sharedDir() + "/fixtures/stories260K", test::sharedDir() + "/fixtures/llama-f16");
        });
        QVERIFY2(message.contains("differs from the original"), qPrintable(message));
    }

    // An hf-peft export whose loftq_init/ belongs to another model.
    void adapterNotFittingItsBackboneIsRefused()
    {
        const auto llamaExport = dir_.filePath("llama-export").toStdString();
        const auto storiesExport = dir_.filePath("stories-export").toStdString();
        Plan plan;
        plan.defaults.steps = 1;
        runJob(Checkpoint::open(test::sharedDir() + "/fixtures/llama-f16"), plan, {.outputDir = llamaExport});
        runJob(Checkpoint::open(test::sharedDir() + "/fixtures/stories260K"), plan, {.outputDir = storiesExport});
        fs::remove_all(storiesExport + "/loftq_init");
        fs::copy(llamaExport + "/loftq_init", storiesExport + "/loftq_init");
        const auto message = badInputMessage([&] { evaluateFolder(storiesExport); });
        QVERIFY2(message.contains("does not fit its backbone"), qPrintable(message));
        // The backbone alone does not read the adapter.
        const auto backbone = openModelSource(storiesExport, ModelVariant::Backbone);
        QVERIFY(evaluate(*backbone, nullptr, fixtureTokens(), {.context = 128}).metrics.nll > 0);
    }

    void textNeedsATokenizer()
    {
        const auto message = badInputMessage(
            [&] { tokensFromText(test::dataDir() + "/apache-2.0.txt", test::sharedDir() + "/fixtures/llama-f16"); });
        QVERIFY2(message.contains("llama-f16"), qPrintable(message));
    }
};

QTEST_GUILESS_MAIN(TestEvalInputs)
#include "test_eval_inputs.moc"
