// Opening a 7B-sized checkpoint shows its layers within 2 seconds: only headers are read. The
// checkpoint is Llama-2-7B's layout (two bf16 shards and an index) in sparse files, so it costs
// no disk space.
#include "main_window.hpp"
#include "ui_test_support.hpp"
#include "workbench_settings.hpp"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace loftq;
using namespace loftq::ui;

namespace {

struct Tensor {
    std::string name;
    std::vector<std::int64_t> shape;
};

std::vector<Tensor> llama7bTensors(int firstBlock, int endBlock, bool withEmbeddings, bool withHead)
{
    std::vector<Tensor> t;
    if (withEmbeddings)
        t.push_back({"model.embed_tokens.weight", {32000, 4096}});
    for (int b = firstBlock; b < endBlock; ++b) {
        const std::string p = "model.layers." + std::to_string(b) + ".";
        t.push_back({p + "input_layernorm.weight", {4096}});
        t.push_back({p + "post_attention_layernorm.weight", {4096}});
        for (const char* proj : {"q_proj", "k_proj", "v_proj", "o_proj"})
            t.push_back({p + "self_attn." + proj + ".weight", {4096, 4096}});
        t.push_back({p + "mlp.gate_proj.weight", {11008, 4096}});
        t.push_back({p + "mlp.up_proj.weight", {11008, 4096}});
        t.push_back({p + "mlp.down_proj.weight", {4096, 11008}});
    }
    if (withHead) {
        t.push_back({"model.norm.weight", {4096}});
        t.push_back({"lm_head.weight", {32000, 4096}});
    }
    return t;
}

// A safetensors file whose data region is a hole: the header is real, the weights read as zeros.
void writeSparseShard(const std::filesystem::path& path, const std::vector<Tensor>& tensors, nlohmann::json& weightMap)
{
    nlohmann::json header = nlohmann::json::object();
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        std::uint64_t bytes = 2;
        for (auto d : t.shape)
            bytes *= std::uint64_t(d);
        header[t.name] = {{"dtype", "BF16"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
        weightMap[t.name] = path.filename().string();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');
    const std::uint64_t n = text.size();
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 8; ++i)
        out.put(char((n >> (8 * i)) & 0xff));
    out << text;
    out.close();
    std::filesystem::resize_file(path, 8 + n + offset);
}

} // namespace

class TestOpenLarge : public QObject {
    Q_OBJECT

private slots:
    void sevenBillionParameterCheckpointOpensWithinTwoSeconds()
    {
        QTemporaryDir dir;
        const std::filesystem::path folder = dir.path().toStdString();
        nlohmann::json weightMap = nlohmann::json::object();
        writeSparseShard(folder / "model-00001-of-00002.safetensors", llama7bTensors(0, 16, true, false), weightMap);
        writeSparseShard(folder / "model-00002-of-00002.safetensors", llama7bTensors(16, 32, false, true), weightMap);
        std::ofstream(folder / "model.safetensors.index.json")
            << nlohmann::json({{"metadata", {{"total_size", 13476839424ull}}}, {"weight_map", weightMap}}).dump();
        std::ofstream(folder / "config.json")
            << R"({"model_type": "llama", "architectures": ["LlamaForCausalLM"], "num_hidden_layers": 32})";

        WorkbenchSettings settings(dir.filePath("settings.ini"));
        MainWindow window(settings);
        window.show();
        QSignalSpy shown(&window.layerModel(), &QAbstractItemModel::modelReset);
        QElapsedTimer clock;
        clock.start();
        window.openPath(dir.path());
        QVERIFY(shown.wait(test::engineMs(5000)));
        const qint64 ms = clock.elapsed();
        qInfo("7B-sized checkpoint: %d layers shown after %lld ms", window.layerModel().rowCount(), ms);
        QCOMPARE(window.layerModel().rowCount(), 32 * 7);
        LOFTQ_VERIFY_WALL_TIME(ms < 2000, qPrintable(QString("%1 ms").arg(ms)));
        QVERIFY(window.document().sizeEstimate().sourceBytes > 13'000'000'000ull);
    }
};

QTEST_MAIN(TestOpenLarge)
#include "test_ui_open_large.moc"
