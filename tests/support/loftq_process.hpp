#pragma once
// Helpers for tests that run the `loftq` binary and check what it left on disk.
#include "test_paths.hpp"

#include <QCryptographicHash>
#include <QDirIterator>
#include <QFile>
#include <QProcess>
#include <QStringList>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace loftq::test {

struct CliResult {
    int exitCode = -1;
    bool crashed = false;  // killed by a signal (an abort, a sanitizer, a segfault)
    bool timedOut = false;
    QByteArray out;
    QByteArray err;
};

inline QString loftqBinary() { return QString::fromStdString(binDir() + "/loftq"); }

inline CliResult runLoftq(const QStringList& args, int timeoutMs = 120000)
{
    QProcess p;
    p.start(loftqBinary(), args);
    CliResult r;
    if (!p.waitForStarted(10000)) {
        r.err = "could not start " + loftqBinary().toUtf8();
        return r;
    }
    if (!p.waitForFinished(timeoutMs)) {
        r.timedOut = true;
        p.kill();
        p.waitForFinished(5000);
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exitCode = p.exitCode();
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

inline QStringList nonEmptyLines(const QByteArray& text)
{
    QStringList lines;
    for (const auto& l : QString::fromUtf8(text).split('\n'))
        if (!l.trimmed().isEmpty())
            lines << l;
    return lines;
}

// Every entry under `root` (files, folders, hidden ones, links), as paths relative to it, sorted.
inline std::vector<std::string> treeEntries(const std::string& root)
{
    std::vector<std::string> out;
    std::error_code ec;
    if (!std::filesystem::exists(root, ec))
        return out;
    for (std::filesystem::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
        out.push_back(std::filesystem::relative(it->path(), root).string());
    std::sort(out.begin(), out.end());
    return out;
}

// SHA-256 over the names and contents of every file under `root` (or of one file).
inline QByteArray treeHash(const std::string& root)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    std::vector<std::string> files;
    if (std::filesystem::is_regular_file(root))
        files.push_back("");
    else
        for (const auto& e : treeEntries(root))
            files.push_back(e);
    for (const auto& rel : files) {
        const auto path = rel.empty() ? root : root + "/" + rel;
        h.addData(QByteArray::fromStdString(rel));
        if (!std::filesystem::is_regular_file(path))
            continue;
        QFile f(QString::fromStdString(path));
        if (f.open(QIODevice::ReadOnly))
            h.addData(&f);
    }
    return h.result().toHex();
}

inline void writeBytes(const std::string& path, const std::string& bytes)
{
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), std::streamsize(bytes.size()));
}

inline std::string readBytes(const std::string& path)
{
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Copies a fixture folder so a test may alter it.
inline void copyFolder(const std::string& from, const std::string& to)
{
    std::filesystem::create_directories(to);
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
}

} // namespace loftq::test
