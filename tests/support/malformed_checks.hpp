#pragma once
// The one check every malformed input must pass, in process and through the `loftq` binary:
// Error(BadInput) naming the file and the problem on one line; `loftq inspect` and
// `loftq quantize` exit with status 2 and one line on stderr; nothing is written.
#include "loftq/checkpoint.hpp"
#include "loftq/errors.hpp"
#include "loftq_process.hpp"

#include <QtTest>
#include <filesystem>
#include <string>

namespace loftq::test {

inline bool isOneLine(const std::string& s) { return s.find('\n') == std::string::npos && s.find('\r') == std::string::npos; }

// Call through QVERIFY-style macros only: returns early on the first failed check.
inline void expectCheckpointRejected(const std::string& path, const std::string& blamedFile, const std::string& phrase,
                                     const std::string& scratch)
{
    namespace fs = std::filesystem;
    try {
        (void)Checkpoint::open(path);
        QFAIL(("Checkpoint::open accepted " + path).c_str());
    } catch (const Error& e) {
        const std::string msg = e.what();
        QVERIFY2(e.kind() == ErrorKind::BadInput, msg.c_str());
        QVERIFY2(msg.find(blamedFile) != std::string::npos, ("message does not name the file: " + msg).c_str());
        QVERIFY2(msg.find(phrase) != std::string::npos, ("message lacks '" + phrase + "': " + msg).c_str());
        QVERIFY2(isOneLine(msg), msg.c_str());
    } catch (const std::exception& e) {
        QFAIL((std::string("not a loftq::Error: ") + e.what()).c_str());
    }

    const auto checkCli = [&](const CliResult& r, const char* what) {
        const auto lines = nonEmptyLines(r.err);
        const QString context = QString("%1 %2: exit %3, stderr: %4").arg(what, QString::fromStdString(path)).arg(r.exitCode).arg(QString::fromUtf8(r.err));
        QVERIFY2(!r.crashed && !r.timedOut, qPrintable(context));
        QVERIFY2(r.exitCode == 2, qPrintable(context));
        QVERIFY2(lines.size() == 1, qPrintable(context));
        QVERIFY2(lines[0].startsWith("loftq: "), qPrintable(context));
        QVERIFY2(lines[0].contains(QString::fromStdString(blamedFile)), qPrintable(context));
        QVERIFY2(lines[0].contains(QString::fromStdString(phrase)), qPrintable(context));
    };
    const auto inspect = runLoftq({"inspect", QString::fromStdString(path)});
    checkCli(inspect, "inspect");
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(inspect.out.isEmpty(), inspect.out.constData());

    // Into a folder that does not exist yet: it must not be created.
    const std::string fresh = scratch + "/out-fresh";
    checkCli(runLoftq({"quantize", QString::fromStdString(path), "-o", QString::fromStdString(fresh)}), "quantize");
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(!fs::exists(fresh), ("quantize created " + fresh).c_str());

    // Into an existing empty folder: it must stay empty.
    const std::string existing = scratch + "/out-existing";
    fs::create_directories(existing);
    checkCli(runLoftq({"quantize", QString::fromStdString(path), "-o", QString::fromStdString(existing), "--force"}),
             "quantize --force");
    if (QTest::currentTestFailed())
        return;
    QVERIFY2(treeEntries(existing).empty(), ("quantize wrote into " + existing).c_str());
    fs::remove(existing);
}

} // namespace loftq::test
