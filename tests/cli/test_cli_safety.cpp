// What `loftq` promises about a user's files: exit statuses and one-line messages; an output
// folder inside the source refused; a non-empty one refused without --force, and --force
// replacing only what a previous export wrote; Ctrl-C and a full disk leaving no partial file and
// the source unchanged; NaN/Inf weights, all-zero matrices, sizes the block does not divide, ranks
// above min(out, in) and unsupported bits each handled as documented (docs/trust.md).
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "loftq/runner.hpp"
#include "loftq_process.hpp"
#include "test_paths.hpp"

#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sys/mount.h>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace loftq;
using test::runLoftq;

namespace {

const std::string kQProj = "model.layers.0.self_attn.q_proj.weight";
const std::string kKProj = "model.layers.0.self_attn.k_proj.weight";

QString q(const std::string& s) { return QString::fromStdString(s); }

QString describe(const test::CliResult& r)
{
    return QString("exit %1%2, stderr: %3").arg(r.exitCode).arg(r.crashed ? " (crashed)" : "").arg(QString::fromUtf8(r.err));
}

// Exit status `status` and, besides the per-layer progress lines ("[3/14] name quantized") of a
// run that failed part way, exactly one line on stderr: the error, containing each of `phrases`.
bool failsCleanly(const test::CliResult& r, int status, const QStringList& phrases)
{
    static const QRegularExpression progress(R"(^\[\d+/\d+\] )");
    QStringList lines;
    for (const auto& l : test::nonEmptyLines(r.err))
        if (!progress.match(l).hasMatch())
            lines << l;
    if (r.crashed || r.timedOut || r.exitCode != status || lines.size() != 1 || !lines[0].startsWith("loftq: "))
        return false;
    for (const auto& p : phrases)
        if (!lines[0].contains(p))
            return false;
    return true;
}

// Unmounts on every way out of a test, so a failed check does not leave a mount behind.
struct Unmount {
    std::string where;
    bool mounted = false;
    ~Unmount()
    {
        if (mounted)
            ::umount(where.c_str());
    }
};

// A copy of the llama fixture whose tensor `name` has its f16 element `index` set to `bits`.
std::string llamaWith(const std::string& dir, const std::string& name, std::vector<std::pair<std::size_t, std::uint16_t>> patches)
{
    test::copyFolder(test::fixture("llama"), dir);
    const std::string file = dir + "/model.safetensors";
    std::string bytes = test::readBytes(file);
    std::uint64_t dataStart = 0, begin = 0;
    {
        const auto st = SafetensorsFile::open(file);
        dataStart = st->header().dataStart();
        begin = st->find(name)->begin;
    }
    for (const auto& [index, value] : patches)
        std::memcpy(bytes.data() + dataStart + begin + 2 * index, &value, 2);
    test::writeBytes(file, bytes);
    return dir;
}

std::string tensorBytes(const std::string& file, const std::string& name)
{
    const auto st = SafetensorsFile::open(file);
    const auto data = st->data(*st->find(name));
    return {reinterpret_cast<const char*>(data.data()), data.size()};
}

const nlohmann::json* layerReport(const nlohmann::json& report, const std::string& tensor)
{
    for (const auto& l : report["layers"])
        if (l["tensor"] == tensor)
            return &l;
    return nullptr;
}

// Mounts a tmpfs of `size` at `where`; false when this process may not mount.
bool mountTmpfs(const std::string& where, const std::string& size)
{
    const std::string options = "size=" + size + ",mode=0755";
    return ::mount("tmpfs", where.c_str(), "tmpfs", 0, options.c_str()) == 0;
}

} // namespace

class TestCliSafety : public QObject {
    Q_OBJECT
private slots:
    void usageAndPlanErrorsExitTwo()
    {
        QTemporaryDir tmp;
        const auto src = q(test::fixture("llama"));
        const auto out = tmp.filePath("out");
        QVERIFY(failsCleanly(runLoftq({}), 2, {"usage"}));
        QVERIFY(failsCleanly(runLoftq({"frobnicate"}), 2, {"unknown command"}));
        QVERIFY(failsCleanly(runLoftq({"quantize", src}), 2, {"-o OUT"}));
        QVERIFY(failsCleanly(runLoftq({"quantize", src, "-o", out, "--rank", "0"}), 2, {"--rank"}));
        QVERIFY(failsCleanly(runLoftq({"quantize", src, "-o", out, "--threads", "x"}), 2, {"--threads"}));
        QVERIFY(failsCleanly(runLoftq({"quantize", src, "-o", out, "--target", "("}), 2, {"invalid"}));
        QVERIFY(failsCleanly(runLoftq({"quantize", src, "-o", out, "--wat"}), 2, {"unknown option --wat"}));
        QVERIFY(failsCleanly(runLoftq({"quantize", src, "-o", out, "--plan", tmp.filePath("missing.json")}), 2, {"missing.json"}));
        QVERIFY(!fs::exists(out.toStdString()));
    }

    // Bits the chosen quantizer does not support: exit 2 before anything is read or written.
    void unsupportedBitsExitTwo()
    {
        QTemporaryDir tmp;
        const auto src = q(test::fixture("llama"));
        const auto out = tmp.filePath("out");
        for (const auto& [method, bits] : {std::pair{"nf", "5"}, {"nf", "1"}, {"uniform", "6"}, {"nf", "16"}}) {
            const auto r = runLoftq({"quantize", src, "-o", out, "--method", method, "--bits", bits});
            QVERIFY2(failsCleanly(r, 2, {"does not support " + QString(bits) + " bits"}), qPrintable(describe(r)));
        }
        const auto plan = tmp.filePath("plan.json");
        test::writeBytes(plan.toStdString(), R"({"rules":[{"pattern":"q_proj","bits":7}]})");
        const auto r = runLoftq({"quantize", src, "-o", out, "--plan", plan});
        QVERIFY2(failsCleanly(r, 2, {"plan.json", "7 bits"}), qPrintable(describe(r)));
        QVERIFY(!fs::exists(out.toStdString()));
    }

    void outputInsideSourceIsRefused()
    {
        QTemporaryDir tmp;
        const std::string src = tmp.path().toStdString() + "/src";
        test::copyFolder(test::fixture("llama"), src);
        fs::create_directory_symlink(src, tmp.path().toStdString() + "/link");
        const auto before = test::treeHash(src);
        const QStringList outputs{q(src), q(src + "/"), q(src + "/out"), q(src + "/a/b"), q(src + "/./out"),
                                  q(src + "/../src/out"), tmp.filePath("link"), tmp.filePath("link/out")};
        for (const auto& out : outputs) {
            for (const auto& extra : {QStringList{}, QStringList{"--force"}}) {
                const auto r = runLoftq(QStringList{"quantize", q(src), "-o", out} + extra);
                QVERIFY2(failsCleanly(r, 2, {"inside"}), qPrintable(out + ": " + describe(r)));
            }
        }
        // A single-file source: its folder is the source folder.
        const auto r = runLoftq({"quantize", q(src + "/model.safetensors"), "-o", q(src + "/out")});
        QVERIFY2(failsCleanly(r, 2, {"inside"}), qPrintable(describe(r)));
        QCOMPARE(test::treeHash(src), before);
        QCOMPARE(test::treeEntries(src), test::treeEntries(test::fixture("llama")));
        // A sibling whose name starts like the source is not inside it.
        const auto sibling = runLoftq({"quantize", q(src), "-o", q(src + "-out"), "--rank", "4", "--iters", "1"});
        QVERIFY2(sibling.exitCode == 0, qPrintable(describe(sibling)));
    }

    void outputThatIsAFileIsRefused()
    {
        QTemporaryDir tmp;
        const std::string file = tmp.path().toStdString() + "/out";
        test::writeBytes(file, "mine");
        const auto r = runLoftq({"quantize", q(test::fixture("llama")), "-o", q(file), "--force"});
        QVERIFY2(failsCleanly(r, 2, {"not a folder"}), qPrintable(describe(r)));
        QCOMPARE(test::readBytes(file), std::string("mine"));
    }

    void nonEmptyOutputNeedsForce()
    {
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        fs::create_directories(out);
        test::writeBytes(out + "/notes.txt", "my notes");
        const auto r = runLoftq({"quantize", q(test::fixture("llama")), "-o", q(out)});
        QVERIFY2(failsCleanly(r, 2, {"not empty", "--force"}), qPrintable(describe(r)));
        QCOMPARE(test::treeEntries(out), std::vector<std::string>{"notes.txt"});
        QCOMPARE(test::readBytes(out + "/notes.txt"), std::string("my notes"));
    }

    // --force replaces the files a previous export listed in its manifest, removes those the new
    // export does not write, and never touches anything else.
    void forceReplacesOnlyAPreviousExport()
    {
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        const auto first = runLoftq({"quantize", q(test::fixture("llama-sharded-bf16")), "-o", q(out), "--rank", "4", "--iters", "1"});
        QVERIFY2(first.exitCode == 0, qPrintable(describe(first)));
        QVERIFY(fs::exists(out + "/model-00002-of-00003.safetensors"));
        test::writeBytes(out + "/notes.txt", "my notes");
        fs::create_directories(out + "/mine");
        test::writeBytes(out + "/mine/data.bin", "keep");

        const auto again = runLoftq({"quantize", q(test::fixture("llama")), "-o", q(out), "--rank", "4", "--iters", "1", "--force"});
        QVERIFY2(again.exitCode == 0, qPrintable(describe(again)));
        QVERIFY(fs::exists(out + "/model.safetensors"));
        QVERIFY(!fs::exists(out + "/model-00002-of-00003.safetensors"));
        QVERIFY(!fs::exists(out + "/model.safetensors.index.json"));
        QCOMPARE(test::readBytes(out + "/notes.txt"), std::string("my notes"));
        QCOMPARE(test::readBytes(out + "/mine/data.bin"), std::string("keep"));
        for (const auto& e : test::treeEntries(out))
            QVERIFY2(e.find("loftq-tmp") == std::string::npos, e.c_str());
    }

    // A file at a path the export writes that no previous export of ours wrote: refused, kept.
    void forceDoesNotReplaceForeignFiles()
    {
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        fs::create_directories(out);
        test::writeBytes(out + "/config.json", "{\"mine\": true}");
        const auto r = runLoftq({"quantize", q(test::fixture("llama")), "-o", q(out), "--force"});
        QVERIFY2(failsCleanly(r, 2, {"config.json", "not written by a previous export"}), qPrintable(describe(r)));
        QCOMPARE(test::treeEntries(out), std::vector<std::string>{"config.json"});
        QCOMPARE(test::readBytes(out + "/config.json"), std::string("{\"mine\": true}"));
    }

    // A manifest that names files outside the output folder (hand-edited or hostile) must not
    // make --force delete them. Before the fix, "../victim.txt" was removed after the export.
    void forceIgnoresNoFileOutsideTheFolder()
    {
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        const std::string victim = tmp.path().toStdString() + "/victim.txt";
        test::writeBytes(victim, "precious");
        for (const auto& entry : {std::string("../victim.txt"), victim, std::string("a/../../victim.txt"), std::string("")}) {
            fs::remove_all(out);
            fs::create_directories(out);
            test::writeBytes(out + "/loftq_manifest.json", nlohmann::json{{"files", {entry}}}.dump());
            const auto r = runLoftq({"quantize", q(test::fixture("llama")), "-o", q(out), "--force", "--rank", "4", "--iters", "1"});
            QVERIFY2(failsCleanly(r, 2, {"loftq_manifest.json", "not a file inside the output folder"}),
                     qPrintable(q(entry) + ": " + describe(r)));
            QCOMPARE(test::readBytes(victim), std::string("precious"));
            QCOMPARE(test::treeEntries(out), std::vector<std::string>{"loftq_manifest.json"});
        }
    }

    // Ctrl-C in the middle of a run: exit 130, no file at a final path, no temporary file, the
    // output folder gone again (or left empty when it existed), the source byte-identical.
    void sigintMidRunLeavesNothing()
    {
        const std::string src = test::demoModel();
        const auto before = test::treeHash(src);
        for (const bool existing : {false, true}) {
            QTemporaryDir tmp;
            const std::string out = tmp.path().toStdString() + "/nested/out";
            if (existing)
                fs::create_directories(out);
            test::ChildProcess p;
            QVERIFY(p.start(test::loftqBinary().toStdString(), {"quantize", q(src), "-o", q(out), "--svd", "exact", "--iters", "5"}));
            // Interrupt once two layers are done, in the middle of the run.
            QVERIFY2(p.readUntil([&] { return p.err().contains("[2/"); }, 120000), p.err().constData());
            QVERIFY(::kill(p.pid(), SIGINT) == 0);
            const auto r = p.finish(120000);
            QVERIFY2(!r.crashed && !r.timedOut, r.err.constData());
            QVERIFY2(r.exitCode == 130, qPrintable(describe(r)));
            const auto lines = test::nonEmptyLines(r.err);
            QVERIFY2(!lines.isEmpty() && lines.last().contains("cancelled"), r.err.constData());
            const auto left = test::treeEntries(tmp.path().toStdString());
            if (existing)
                QCOMPARE(left, (std::vector<std::string>{"nested", "nested/out"}));
            else
                QVERIFY2(left.empty(), left.empty() ? "" : left[0].c_str());
        }
        QCOMPARE(test::treeHash(src), before);
    }

    // Cancellation at every point of a run, in process: never a file left behind.
    void cancelAtAnyEventLeavesNothing()
    {
        const auto cp = Checkpoint::open(test::fixture("qwen2"));
        Plan plan;
        plan.defaults.rank = 4;
        plan.defaults.steps = 2;
        int events = 0;
        {
            QTemporaryDir tmp;
            RunOptions o;
            o.outputDir = tmp.filePath("out").toStdString();
            runJob(cp, plan, o, [&](const ProgressEvent&) { ++events; });
        }
        QVERIFY(events > 10);
        for (int at = 0; at < events; at += 3) {
            QTemporaryDir tmp;
            RunOptions o;
            o.outputDir = tmp.filePath("out").toStdString();
            std::atomic<bool> cancel{false};
            int seen = 0;
            try {
                runJob(cp, plan, o, [&](const ProgressEvent&) { if (seen++ == at) cancel = true; }, &cancel);
                // A cancel after the last step may still let the run finish: then it is complete.
                QVERIFY(fs::exists(o.outputDir + "/loftq_manifest.json"));
            } catch (const Error& e) {
                QCOMPARE(e.kind(), ErrorKind::Cancelled);
                QVERIFY2(test::treeEntries(tmp.path().toStdString()).empty(), qPrintable(QString("cancel at event %1").arg(at)));
            }
        }
    }

    // A full disk at any point of the export: exit 1 with one line, nothing left on the disk
    // (not even the folders the run created), the source unchanged. Needs root to mount a tmpfs.
    void fullDiskLeavesNothing()
    {
        if (::geteuid() != 0)
            QSKIP("needs root to mount a small tmpfs (run the suite as root to check a full disk)");
        QTemporaryDir tmp;
        const std::string mnt = tmp.path().toStdString() + "/disk";
        fs::create_directories(mnt);
        const std::string src = test::fixture("llama");
        const auto before = test::treeHash(src);
        int failures = 0, successes = 0;
        // The export is about 400 KB: these sizes fail while writing weights, the adapter, the
        // report, and the last ones succeed.
        for (const char* size : {"16k", "64k", "200k", "240k", "300k", "360k", "380k", "400k", "420k", "1m"}) {
            if (!mountTmpfs(mnt, size))
                QSKIP(qPrintable(QString("cannot mount a tmpfs here (%1); the full-disk check needs CAP_SYS_ADMIN").arg(std::strerror(errno))));
            Unmount unmount{mnt, true};
            for (const std::string out : {mnt, mnt + "/a/b/out"}) {
                const auto r = runLoftq({"quantize", q(src), "-o", q(out), "--force"});
                if (r.exitCode == 0) {
                    ++successes;
                    QVERIFY(fs::exists(out + "/loftq_manifest.json"));
                } else {
                    ++failures;
                    QVERIFY2(failsCleanly(r, 1, {"No space left on device"}), qPrintable(QString(size) + ": " + describe(r)));
                    const auto left = test::treeEntries(mnt);
                    QVERIFY2(left.empty(), qPrintable(QString(size) + " left " + q(left.empty() ? "" : left[0])));
                }
                for (const auto& e : fs::directory_iterator(mnt))
                    fs::remove_all(e.path());
            }
            unmount.mounted = false;
            QCOMPARE(::umount(mnt.c_str()), 0);
        }
        QVERIFY(failures >= 4);
        QVERIFY(successes >= 2);
        QCOMPARE(test::treeHash(src), before);
    }

    // NaN or Inf in a weight: refused by default naming the tensor; with --on-bad-tensor keep
    // that tensor is copied unquantized (byte for byte) and the report says why.
    void nanOrInfWeightsAreRefusedOrKept()
    {
        for (const std::uint16_t bad : {std::uint16_t(0x7e00), std::uint16_t(0x7c00), std::uint16_t(0xfc00)}) {
            QTemporaryDir tmp;
            const std::string src = llamaWith(tmp.path().toStdString() + "/src", kQProj, {{5, bad}});
            const auto before = test::treeHash(src);
            const std::string out = tmp.path().toStdString() + "/out";
            const auto refused = runLoftq({"quantize", q(src), "-o", q(out)});
            QVERIFY2(failsCleanly(refused, 2, {q(kQProj), "NaN or Inf", "model.safetensors"}), qPrintable(describe(refused)));
            QVERIFY(!fs::exists(out));

            const auto kept = runLoftq({"quantize", q(src), "-o", q(out), "--on-bad-tensor", "keep", "--rank", "4"});
            QVERIFY2(kept.exitCode == 0, qPrintable(describe(kept)));
            QCOMPARE(tensorBytes(out + "/model.safetensors", kQProj), tensorBytes(src + "/model.safetensors", kQProj));
            QVERIFY(tensorBytes(out + "/model.safetensors", kKProj) != tensorBytes(src + "/model.safetensors", kKProj));
            const auto report = test::readJson(out + "/loftq_report.json");
            const auto* layer = layerReport(report, kQProj);
            QVERIFY(layer);
            QCOMPARE((*layer)["status"].get<std::string>(), std::string("skipped"));
            QVERIFY((*layer)["note"].get<std::string>().find("NaN or Inf") != std::string::npos);
            QCOMPARE(test::treeHash(src), before);
        }
    }

    // An all-zero matrix quantizes to zeros with zero adapters and finite (zero) errors.
    void allZeroMatrixIsExact()
    {
        QTemporaryDir tmp;
        std::vector<std::pair<std::size_t, std::uint16_t>> zeros;
        for (std::size_t i = 0; i < 64 * 64; ++i)
            zeros.push_back({i, 0});
        const std::string src = llamaWith(tmp.path().toStdString() + "/src", kQProj, zeros);
        for (const char* svd : {"fast", "exact"}) {
            const std::string out = tmp.path().toStdString() + "/out-" + svd;
            const auto r = runLoftq({"quantize", q(src), "-o", q(out), "--svd", svd, "--rank", "8"});
            QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
            QCOMPARE(tensorBytes(out + "/model.safetensors", kQProj), std::string(64 * 64 * 2, '\0'));
            const auto report = test::readJson(out + "/loftq_report.json");
            const auto* layer = layerReport(report, kQProj);
            QVERIFY(layer);
            QCOMPARE((*layer)["status"].get<std::string>(), std::string("quantized"));
            QVERIFY2((*layer)["rel_error"].is_number() && (*layer)["rel_error"].get<double>() == 0.0, layer->dump().c_str());
            QVERIFY2((*layer)["qlora_rel_error"].is_number() && (*layer)["qlora_rel_error"].get<double>() == 0.0, layer->dump().c_str());
            const auto adapter = SafetensorsFile::open(out + "/loftq_init/adapter_model.safetensors");
            for (const char* part : {".lora_A.weight", ".lora_B.weight"}) {
                const auto* t = adapter->find("base_model.model.model.layers.0.self_attn.q_proj" + std::string(part));
                QVERIFY(t);
                const auto data = adapter->data(*t);
                std::vector<float> values(data.size() / 4);
                std::memcpy(values.data(), data.data(), data.size());
                for (float v : values)
                    QVERIFY(std::isfinite(v));
            }
        }
    }

    // A matrix whose element count the block size does not divide: refused by default naming
    // the tensor, kept unquantized with --on-bad-tensor keep. Block 2048 divides the 64 x 64 and
    // 32 x 64 attention matrices but not the 64 x 176 MLP ones.
    void blockSizeNotDividingTheMatrix()
    {
        QTemporaryDir tmp;
        const auto src = q(test::fixture("llama"));
        const std::string out = tmp.path().toStdString() + "/out";
        const auto refused = runLoftq({"quantize", src, "-o", q(out), "--block-size", "2048"});
        QVERIFY2(failsCleanly(refused, 2, {"model.layers.0.mlp.down_proj.weight", "not divisible by the block size 2048"}),
                 qPrintable(describe(refused)));
        QVERIFY(!fs::exists(out));
        const auto kept = runLoftq({"quantize", src, "-o", q(out), "--block-size", "2048", "--on-bad-tensor", "keep", "--rank", "4"});
        QVERIFY2(kept.exitCode == 0, qPrintable(describe(kept)));
        const auto report = test::readJson(out + "/loftq_report.json");
        const auto* down = layerReport(report, "model.layers.0.mlp.down_proj.weight");
        QVERIFY(down);
        QCOMPARE((*down)["status"].get<std::string>(), std::string("skipped"));
        QVERIFY((*down)["note"].get<std::string>().find("not divisible") != std::string::npos);
        QCOMPARE(tensorBytes(out + "/model.safetensors", "model.layers.0.mlp.down_proj.weight"),
                 tensorBytes(test::fixture("llama") + "/model.safetensors", "model.layers.0.mlp.down_proj.weight"));
        const auto* qproj = layerReport(report, kQProj);
        QVERIFY(qproj);
        QCOMPARE((*qproj)["status"].get<std::string>(), std::string("quantized"));
    }

    // A rank above min(out, in) is lowered to min(out, in), and the report says so.
    void rankAboveMatrixSizeIsClamped()
    {
        QTemporaryDir tmp;
        const std::string out = tmp.path().toStdString() + "/out";
        const auto r = runLoftq({"quantize", q(test::fixture("llama")), "-o", q(out), "--rank", "100", "--iters", "2"});
        QVERIFY2(r.exitCode == 0, qPrintable(describe(r)));
        const auto report = test::readJson(out + "/loftq_report.json");
        const auto* k = layerReport(report, kKProj); // [32, 64]
        QVERIFY(k);
        QCOMPARE((*k)["rank"].get<int>(), 32);
        QVERIFY2((*k).value("note", "").find("rank lowered to 32") != std::string::npos, k->dump().c_str());
        const auto adapter = SafetensorsFile::open(out + "/loftq_init/adapter_model.safetensors");
        const auto* a = adapter->find("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight");
        QVERIFY(a);
        QCOMPARE(a->shape, (std::vector<std::int64_t>{32, 64}));
        const auto* qa = adapter->find("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        QCOMPARE(qa->shape, (std::vector<std::int64_t>{64, 64}));
    }
};

QTEST_GUILESS_MAIN(TestCliSafety)
#include "test_cli_safety.moc"
