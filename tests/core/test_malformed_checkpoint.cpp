// Broken checkpoint folders, generated from the sharded llama fixture: a folder with no
// checkpoint, sharded indexes that lie (missing shard, a tensor missing from its shard, a name
// listed twice, paths out of the folder), indexes and config.json files that are not JSON.
// Each must be refused naming the file at fault, in process and by `loftq`, writing nothing.
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "io/shard_index.hpp"
#include "loftq/targets.hpp"
#include "malformed_checks.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <functional>
#include <map>

namespace fs = std::filesystem;
using namespace loftq;

namespace {

const char* kIndex = "model.safetensors.index.json";
const char* kShard1 = "model-00001-of-00003.safetensors";
const char* kShard2 = "model-00002-of-00003.safetensors";

struct Damage {
    std::string blamed;  // file the message must name, relative to the folder ("" = the folder)
    std::string phrase;
    std::function<void(const std::string& dir)> apply;
};

nlohmann::json readIndex(const std::string& dir) { return test::readJson(dir + "/" + kIndex); }
void writeIndexText(const std::string& dir, const std::string& text) { test::writeBytes(dir + "/" + kIndex, text); }
void writeIndexJson(const std::string& dir, const nlohmann::json& j) { writeIndexText(dir, j.dump(2)); }

// Sets weight_map[name] = shard in the fixture's index.
std::function<void(const std::string&)> mapTensor(const std::string& name, const nlohmann::json& shard)
{
    return [=](const std::string& dir) {
        auto j = readIndex(dir);
        j["weight_map"][name] = shard;
        writeIndexJson(dir, j);
    };
}

std::string smallShard(const std::vector<std::string>& names)
{
    std::vector<TensorInfo> infos;
    std::uint64_t offset = 0;
    for (const auto& n : names) {
        infos.push_back({n, DType::F32, {2}, offset, offset + 8});
        offset += 8;
    }
    return serializeSafetensorsHeader(infos, {}) + std::string(offset, '\0');
}

const std::map<std::string, Damage>& damages()
{
    static const std::map<std::string, Damage> table{
        {"empty_folder", {"", "folder has no model.safetensors or model.safetensors.index.json",
                          [](const std::string& dir) {
                              fs::remove_all(dir);
                              fs::create_directories(dir);
                          }}},
        {"only_config", {"", "folder has no model.safetensors",
                         [](const std::string& dir) {
                             for (const auto& f : {kIndex, kShard1, kShard2, "model-00003-of-00003.safetensors"})
                                 fs::remove(dir + "/" + f);
                         }}},
        {"pytorch_bin_only", {"", "convert it to safetensors first",
                              [](const std::string& dir) {
                                  fs::remove_all(dir);
                                  fs::create_directories(dir);
                                  test::writeBytes(dir + "/pytorch_model.bin", "PK");
                              }}},
        {"zero_byte_model", {"model.safetensors", "empty file (0 bytes)",
                             [](const std::string& dir) {
                                 fs::remove(dir + "/" + std::string(kIndex));
                                 test::writeBytes(dir + "/model.safetensors", "");
                             }}},
        {"index_names_missing_shard", {kIndex, "shard 'model-00002-of-00003.safetensors' is missing",
                                       [](const std::string& dir) { fs::remove(dir + "/" + kShard2); }}},
        {"index_names_unknown_shard", {kIndex, "shard 'model-00004-of-00003.safetensors' is missing",
                                       mapTensor("lm_head.weight", "model-00004-of-00003.safetensors")}},
        {"shard_is_folder", {kIndex, "shard 'model-00002-of-00003.safetensors' is missing",
                             [](const std::string& dir) {
                                 fs::remove(dir + "/" + kShard2);
                                 fs::create_directories(dir + "/" + kShard2);
                             }}},
        {"tensor_missing_from_shard", {kIndex, "tensor 'model.layers.7.mlp.up_proj.weight' is not found in its shard",
                                       mapTensor("model.layers.7.mlp.up_proj.weight", kShard1)}},
        {"tensor_in_other_shard", {kIndex, "tensor 'lm_head.weight' is mapped to model-00001-of-00003.safetensors but stored in",
                                   mapTensor("lm_head.weight", kShard1)}},
        {"tensor_listed_twice", {kIndex, "tensor 'lm_head.weight' is listed twice in weight_map",
                                 [](const std::string& dir) {
                                     writeIndexText(dir, R"({"weight_map":{"lm_head.weight":"model-00003-of-00003.safetensors",)"
                                                     R"("lm_head.weight":"model-00001-of-00003.safetensors"}})");
                                 }}},
        {"tensor_listed_twice_same_shard", {kIndex, "is listed twice in weight_map",
                                            [](const std::string& dir) {
                                                writeIndexText(dir, R"({"weight_map":{"a":"model-00001-of-00003.safetensors",)"
                                                                R"("a":"model-00001-of-00003.safetensors"}})");
                                            }}},
        {"two_weight_maps", {kIndex, "key 'weight_map' appears twice",
                             [](const std::string& dir) {
                                 writeIndexText(dir, R"({"weight_map":{"a":"model-00001-of-00003.safetensors"},)"
                                                 R"("weight_map":{"b":"model-00001-of-00003.safetensors"}})");
                             }}},
        {"tensor_in_two_shards", {kShard2, "tensor 'shared' also appears in another shard",
                                  [](const std::string& dir) {
                                      test::writeBytes(dir + "/" + kShard1, smallShard({"one", "shared"}));
                                      test::writeBytes(dir + "/" + kShard2, smallShard({"shared", "two"}));
                                      fs::remove(dir + "/model-00003-of-00003.safetensors");
                                      writeIndexJson(dir, nlohmann::json{{"weight_map",
                                                                      {{"one", kShard1}, {"shared", kShard1}, {"two", kShard2}}}});
                                  }}},
        {"index_not_json", {kIndex, "index is not valid JSON", [](const std::string& dir) { writeIndexText(dir, std::string("{\"weight_map\": {")); }}},
        {"index_empty_file", {kIndex, "index is not valid JSON", [](const std::string& dir) { writeIndexText(dir, std::string()); }}},
        {"index_not_utf8", {kIndex, "index is not valid UTF-8", [](const std::string& dir) { writeIndexText(dir, std::string("{\"\xfe\":1}")); }}},
        {"index_not_object", {kIndex, "index JSON is not an object", [](const std::string& dir) { writeIndexText(dir, std::string("[\"weight_map\"]")); }}},
        {"index_without_weight_map", {kIndex, "index has no \"weight_map\"",
                                      [](const std::string& dir) { writeIndexText(dir, std::string(R"({"metadata":{"total_size":1}})")); }}},
        {"weight_map_array", {kIndex, "\"weight_map\" is not an object",
                              [](const std::string& dir) { writeIndexText(dir, std::string(R"({"weight_map":["model-00001-of-00003.safetensors"]})")); }}},
        {"weight_map_empty", {kIndex, "weight_map is empty", [](const std::string& dir) { writeIndexText(dir, std::string(R"({"weight_map":{}})")); }}},
        {"index_deeply_nested", {kIndex, "nested more than",
                                 [](const std::string& dir) { writeIndexText(dir, std::string(50000, '[') + std::string(50000, ']')); }}},
        {"shard_name_parent", {kIndex, "is not a shard file name in this folder",
                               mapTensor("lm_head.weight", "../model-00003-of-00003.safetensors")}},
        {"shard_name_absolute", {kIndex, "is not a shard file name in this folder", mapTensor("lm_head.weight", "/etc/passwd")}},
        {"shard_name_dotdot", {kIndex, "is not a shard file name in this folder", mapTensor("lm_head.weight", "..")}},
        {"shard_name_nul", {kIndex, "is not a shard file name in this folder", mapTensor("lm_head.weight", std::string("x\0y", 3))}},
        {"shard_name_number", {kIndex, "is not a shard file name in this folder", mapTensor("lm_head.weight", 3)}},
        {"shard_name_too_long", {kIndex, "is missing from", mapTensor("lm_head.weight", std::string(5000, 'x') + ".safetensors")}},
        {"shard_truncated", {kShard2, "data truncated",
                             [](const std::string& dir) {
                                 const auto bytes = test::readBytes(dir + "/" + kShard2);
                                 test::writeBytes(dir + "/" + kShard2, bytes.substr(0, bytes.size() - 100));
                             }}},
        {"shard_header_garbage", {kShard1, "exceeds the limit",
                                  [](const std::string& dir) { test::writeBytes(dir + "/" + kShard1, std::string(64, '\xff')); }}},
        {"config_not_json", {"config.json", "not valid JSON", [](const std::string& dir) { test::writeBytes(dir + "/config.json", "{model_type: llama"); }}},
        {"config_empty", {"config.json", "not valid JSON", [](const std::string& dir) { test::writeBytes(dir + "/config.json", ""); }}},
        {"config_not_utf8", {"config.json", "not valid UTF-8",
                             [](const std::string& dir) { test::writeBytes(dir + "/config.json", "{\"model_type\": \"ll\xc3\x28\"}"); }}},
        {"config_not_object", {"config.json", "is not a JSON object", [](const std::string& dir) { test::writeBytes(dir + "/config.json", "[1, 2]"); }}},
        {"config_is_folder", {"config.json", "not a regular file",
                              [](const std::string& dir) {
                                  fs::remove(dir + "/config.json");
                                  fs::create_directories(dir + "/config.json");
                              }}},
    };
    return table;
}

} // namespace

class TestMalformedCheckpoint : public QObject {
    Q_OBJECT
private slots:
    void rejects_data()
    {
        QTest::addColumn<QString>("damage");
        for (const auto& [name, d] : damages())
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
    }

    void rejects()
    {
        QFETCH(QString, damage);
        const auto& d = damages().at(damage.toStdString());
        QTemporaryDir tmp, scratch;
        const std::string dir = tmp.path().toStdString() + "/model";
        test::copyFolder(test::fixture("llama-sharded-bf16"), dir);
        d.apply(dir);
        const std::string blamed = d.blamed.empty() ? dir : dir + "/" + d.blamed;
        test::expectCheckpointRejected(dir, blamed, d.phrase, scratch.path().toStdString());
    }

    // The index parser on its own, as the fuzzer calls it.
    void shardIndexParsesTheFixture()
    {
        const auto text = test::readBytes(test::fixture("llama-sharded-bf16") + "/" + kIndex);
        const auto index = parseShardIndex(text, "index");
        QCOMPARE(index.shardFiles.size(), std::size_t(3));
        QCOMPARE(index.weightMap.at("lm_head.weight"), std::string("model-00003-of-00003.safetensors"));
    }

    // Valid files with hostile names still open, inspect and quantize (exit 0, not a crash or
    // an escaped std::out_of_range from a block number that does not fit an int).
    void hostileButValidNamesWork()
    {
        QTemporaryDir tmp, scratch;
        const std::string path = tmp.filePath("model.safetensors").toStdString();
        std::vector<TensorInfo> infos{{"model.layers.99999999999999999999.self_attn.q_proj.weight", DType::F32, {64, 64}, 0, 16384},
                                      {"model.layers.0.self_attn.q_proj.weight", DType::F32, {64, 64}, 16384, 32768},
                                      {"weird \"name\"\nwith\ttabs.weight", DType::F32, {2}, 32768, 32776}};
        std::string bytes = serializeSafetensorsHeader(infos, {});
        for (int i = 0; i < 8194; ++i) {
            const float v = float((i * 37) % 101) / 100.0f - 0.5f;
            bytes.append(reinterpret_cast<const char*>(&v), 4);
        }
        test::writeBytes(path, bytes);
        const auto cp = Checkpoint::open(path);
        QCOMPARE(cp.tensors().size(), std::size_t(3));
        QCOMPARE(parseTensorPlace(infos[0].name).block, -1);
        QCOMPARE(selectTargets(cp).size(), std::size_t(1));
        const auto inspect = test::runLoftq({"inspect", QString::fromStdString(path)});
        QVERIFY2(inspect.exitCode == 0 && !inspect.crashed, inspect.err.constData());
        const auto quantize = test::runLoftq({"quantize", QString::fromStdString(path), "-o", scratch.filePath("out"), "--rank", "4"});
        QVERIFY2(quantize.exitCode == 0 && !quantize.crashed, quantize.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestMalformedCheckpoint)
#include "test_malformed_checkpoint.moc"
