// A corpus of broken safetensors files, generated here (the ggml test-gguf.cpp pattern): every
// rejection docs/formats.md lists, plus truncations, wrong JSON types and hostile names. Each must be
// refused with an error naming the file and the problem, in process and by `loftq`, with
// nothing written.
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "loftq/safetensors.hpp"
#include "malformed_checks.hpp"
#include "test_paths.hpp"

#include <QTemporaryDir>
#include <QtTest>
#include <cstdint>
#include <sys/stat.h>

using namespace loftq;

namespace {

std::string le64(std::uint64_t n)
{
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i)
        s[std::size_t(i)] = char((n >> (8 * i)) & 0xff);
    return s;
}

// A file: the 8-byte length of `json`, `json`, then `dataBytes` bytes of data.
std::string stFile(const std::string& json, std::size_t dataBytes) { return le64(json.size()) + json + std::string(dataBytes, '\x11'); }

// Two tensors over a 24-byte buffer: a valid file to break in one place at a time.
const std::string kValidJson =
    R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
    R"("b":{"dtype":"F16","shape":[4],"data_offsets":[16,24]}})";

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape, const std::string& offsets)
{
    return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

} // namespace

class TestMalformedSafetensors : public QObject {
    Q_OBJECT
private slots:
    void rejects_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("phrase");
        const auto row = [](const char* name, const std::string& bytes, const char* phrase) {
            QTest::newRow(name) << QByteArray::fromStdString(bytes) << QString(phrase);
        };
        const std::string valid = stFile(kValidJson, 24);

        // The length field and truncations.
        row("zero_byte_file", "", "empty file (0 bytes)");
        row("shorter_than_length_field", std::string("\x10\x00\x00", 3), "file too short");
        row("header_length_zero", le64(0) + std::string(24, ' '), "header length is 0");
        row("header_length_beyond_file", le64(1000) + std::string(50, ' '), "larger than the file");
        row("header_length_over_limit", le64(100'000'001) + "{}", "exceeds the limit of 100000000");
        row("header_length_max_u64", le64(~std::uint64_t(0)) + "{}", "exceeds the limit");
        row("truncated_inside_header", valid.substr(0, 8 + kValidJson.size() / 2), "larger than the file");
        row("truncated_inside_data", valid.substr(0, valid.size() - 3), "data truncated");
        row("truncated_after_header", valid.substr(0, 8 + kValidJson.size()), "data truncated");

        // Encoding and JSON shape.
        row("non_utf8_byte", stFile("{\"a\xff\":1}", 0), "not valid UTF-8");
        row("non_utf8_overlong", stFile("{\"\xc0\xaf\":1}", 0), "not valid UTF-8");
        row("non_utf8_surrogate", stFile("{\"\xed\xa0\x80\":1}", 0), "not valid UTF-8");
        row("invalid_json", stFile("{\"a\": ", 0), "not valid JSON");
        row("whitespace_only_header", stFile("        ", 0), "not valid JSON");
        row("json_array", stFile("[1,2,3]", 0), "header JSON is not an object");
        row("json_string", stFile("\"weights\"", 0), "header JSON is not an object");
        row("json_null", stFile("null", 0), "header JSON is not an object");
        row("deeply_nested", stFile(std::string(100000, '[') + std::string(100000, ']'), 0), "nested more than");
        row("duplicate_name", stFile("{" + entry("a", "\"F32\"", "[1]", "[0,4]") + "," + entry("a", "\"F32\"", "[1]", "[4,8]") + "}", 8),
            "duplicate tensor name 'a'");
        row("duplicate_key_in_entry", stFile(R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})", 4),
            "duplicate key 'dtype'");

        // Entries.
        row("entry_not_object", stFile(R"({"a":[0,4]})", 4), "entry is not a JSON object");
        row("unknown_dtype", stFile("{" + entry("a", "\"F17\"", "[1]", "[0,4]") + "}", 4), "unknown dtype 'F17'");
        row("dtype_number", stFile("{" + entry("a", "32", "[1]", "[0,4]") + "}", 4), "\"dtype\" missing or not a string");
        row("dtype_missing", stFile(R"({"a":{"shape":[1],"data_offsets":[0,4]}})", 4), "\"dtype\" missing or not a string");
        row("shape_string", stFile("{" + entry("a", "\"F32\"", "\"2x2\"", "[0,16]") + "}", 16), "\"shape\" missing or not an array");
        row("shape_object", stFile("{" + entry("a", "\"F32\"", "{\"0\":2}", "[0,16]") + "}", 16), "\"shape\" missing or not an array");
        row("shape_negative", stFile("{" + entry("a", "\"F32\"", "[-2,2]", "[0,16]") + "}", 16), "must be a non-negative integer");
        row("shape_fraction", stFile("{" + entry("a", "\"F32\"", "[2.5,2]", "[0,16]") + "}", 16), "must be a non-negative integer");
        row("shape_string_entry", stFile("{" + entry("a", "\"F32\"", "[\"2\",2]", "[0,16]") + "}", 16), "must be a non-negative integer");
        row("shape_huge_entry", stFile("{" + entry("a", "\"U8\"", "[18446744073709551615]", "[0,16]") + "}", 16), "too large");
        row("shape_dtype_overflow", stFile("{" + entry("a", "\"F32\"", "[4611686018427387904,8]", "[0,16]") + "}", 16),
            "shape x dtype size overflows");
        row("shape_dtype_mismatch", stFile("{" + entry("a", "\"F32\"", "[2,3]", "[0,20]") + "}", 20),
            "shape x dtype size is 24 bytes but data_offsets span 20");
        row("offsets_missing", stFile(R"({"a":{"dtype":"F32","shape":[1]}})", 4), "\"data_offsets\" must be an array of two integers");
        row("offsets_three", stFile("{" + entry("a", "\"F32\"", "[1]", "[0,4,8]") + "}", 4), "\"data_offsets\" must be an array");
        row("offsets_strings", stFile("{" + entry("a", "\"F32\"", "[1]", "[\"0\",\"4\"]") + "}", 4), "data_offsets[0] must be");
        row("offsets_negative", stFile("{" + entry("a", "\"F32\"", "[1]", "[-4,0]") + "}", 4), "data_offsets[0] must be");
        row("end_before_begin", stFile("{" + entry("a", "\"F32\"", "[0]", "[8,4]") + "}", 8), "end < begin");
        row("offsets_past_u64", stFile("{" + entry("a", "\"U8\"", "[1]", "[18446744073709551615,18446744073709551616]") + "}", 1),
            "data_offsets[1] must be");

        // The data buffer.
        row("overlapping", stFile("{" + entry("a", "\"F32\"", "[4]", "[0,16]") + "," + entry("b", "\"F32\"", "[4]", "[8,24]") + "}", 24),
            "overlaps the tensor before it");
        row("hole_between", stFile("{" + entry("a", "\"F32\"", "[4]", "[0,16]") + "," + entry("b", "\"F32\"", "[4]", "[20,36]") + "}", 36),
            "hole in the data buffer before tensor 'b'");
        row("buffer_start_not_covered", stFile("{" + entry("a", "\"F32\"", "[4]", "[8,24]") + "}", 24),
            "hole in the data buffer before tensor 'a'");
        row("trailing_bytes", stFile(kValidJson, 30), "does not end at the end of the file (6 trailing bytes)");
        row("offsets_beyond_file", stFile("{" + entry("a", "\"F32\"", "[4]", "[0,16]") + "}", 8), "data truncated");
        row("no_tensors_but_data", stFile("{}", 8), "does not end at the end of the file");

        // __metadata__.
        row("metadata_number_value", stFile(R"({"__metadata__":{"format":1}})", 0), "__metadata__ value for 'format' is not a string");
        row("metadata_nested", stFile(R"({"__metadata__":{"format":{"x":"pt"}}})", 0), "__metadata__ value for 'format' is not a string");
        row("metadata_string", stFile(R"({"__metadata__":"pt"})", 0), "__metadata__ is not an object");
        row("metadata_array", stFile(R"({"__metadata__":["pt"]})", 0), "__metadata__ is not an object");

        // Hostile names must not break the one-line message.
        row("newline_in_name", stFile("{" + entry("a\\nb", "\"F32\"", "[1]", "[0,4]") + "," + entry("a\\nb", "\"F32\"", "[1]", "[4,8]") + "}", 8),
            "duplicate tensor name 'a\\nb'");
        row("nul_in_name", stFile("{" + entry("x\\u0000y", "\"F32\"", "[1]", "[4,8]") + "}", 8), "before tensor 'x\\x00y'");
        row("long_name", stFile("{" + entry(std::string(100000, 'n'), "\"F32\"", "[1]", "[4,8]") + "}", 8), "(100000 bytes)");
    }

    void rejects()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, phrase);
        QTemporaryDir dir;
        const std::string path = dir.filePath("model.safetensors").toStdString();
        test::writeBytes(path, bytes.toStdString());

        // The parser alone, on the bytes as the reader maps them.
        try {
            (void)parseSafetensorsHeader(std::as_bytes(std::span(bytes.constData(), std::size_t(bytes.size()))),
                                         std::uint64_t(bytes.size()), "label");
            QFAIL("parseSafetensorsHeader accepted it");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).starts_with("label: "), e.what());
            QVERIFY2(std::string(e.what()).size() < 5000, "message is not bounded");
        }

        // As a single file, and as the model.safetensors of a folder.
        QTemporaryDir scratch;
        test::expectCheckpointRejected(path, path, phrase.toStdString(), scratch.path().toStdString());
        if (QTest::currentTestFailed())
            return;
        test::expectCheckpointRejected(dir.path().toStdString(), path, phrase.toStdString(), scratch.path().toStdString());
    }

    // Readers accept what writers may legally produce (docs/formats.md): leading spaces, no tensors.
    void acceptsLegalOddities()
    {
        QTemporaryDir dir;
        const std::string spaced = dir.filePath("spaced.safetensors").toStdString();
        test::writeBytes(spaced, stFile("   " + kValidJson + "  ", 24));
        const auto cp = Checkpoint::open(spaced);
        QCOMPARE(cp.tensors().size(), std::size_t(2));
        QCOMPARE(cp.shards()[0]->header().metadata.at("format"), std::string("pt"));

        const std::string empty = dir.filePath("empty.safetensors").toStdString();
        test::writeBytes(empty, stFile("{}", 0));
        QCOMPARE(Checkpoint::open(empty).tensors().size(), std::size_t(0));
        const auto r = test::runLoftq({"inspect", QString::fromStdString(empty)});
        QCOMPARE(r.exitCode, 0);

        // Zero-sized tensors may share an offset.
        const std::string zeros = dir.filePath("zeros.safetensors").toStdString();
        test::writeBytes(zeros, stFile("{" + entry("z1", "\"F32\"", "[0,4]", "[0,0]") + "," + entry("z2", "\"F32\"", "[0]", "[0,0]") +
                                           "," + entry("a", "\"F32\"", "[1]", "[0,4]") + "}",
                                       4));
        QCOMPARE(Checkpoint::open(zeros).tensors().size(), std::size_t(3));
    }

    // A FIFO named like a checkpoint: opening it must neither block nor crash.
    void fifoIsRefusedWithoutBlocking()
    {
        QTemporaryDir dir;
        const std::string fifo = dir.filePath("model.safetensors").toStdString();
        QCOMPARE(::mkfifo(fifo.c_str(), 0600), 0);
        QTemporaryDir scratch;
        test::expectCheckpointRejected(fifo, fifo, "not a regular file", scratch.path().toStdString());
        if (QTest::currentTestFailed())
            return;
        test::expectCheckpointRejected(dir.path().toStdString(), fifo, "not a regular file", scratch.path().toStdString());
    }

    void missingPathIsRefused()
    {
        QTemporaryDir dir;
        const std::string missing = dir.filePath("nope.safetensors").toStdString();
        QTemporaryDir scratch;
        test::expectCheckpointRejected(missing, missing, "no such file or folder", scratch.path().toStdString());
    }

    // Out-of-range F64 values become +-Inf (then the NaN/Inf policy applies) instead of an
    // undefined float conversion.
    void f64OutOfFloatRangeBecomesInfinity()
    {
        const double v[] = {1e300, -1e300, 1.5, -0.0};
        float out[4];
        toFloat32(DType::F64, reinterpret_cast<const std::byte*>(v), out, 4);
        QVERIFY(std::isinf(out[0]) && out[0] > 0);
        QVERIFY(std::isinf(out[1]) && out[1] < 0);
        QCOMPARE(out[2], 1.5f);
        QCOMPARE(out[3], -0.0f);
    }
};

QTEST_GUILESS_MAIN(TestMalformedSafetensors)
#include "test_malformed_safetensors.moc"
