#pragma once
// Helpers for tests that run the `loftq` binary and check what it left on disk.
#include "test_paths.hpp"

#include <QCryptographicHash>
#include <QElapsedTimer>
#include <QFile>
#include <QStringList>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>
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

// A child process with its stdout and stderr captured. fork + exec rather than QProcess: Qt's
// clone()-based start trips a CHECK in clang's TSan runtime, and these tests run under TSan.
class ChildProcess {
public:
    ChildProcess() = default;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess()
    {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
        closeFd(out_);
        closeFd(err_);
    }

    bool start(const std::string& program, const QStringList& args)
    {
        std::vector<std::string> storage{program};
        for (const auto& a : args)
            storage.push_back(a.toStdString());
        std::vector<char*> argv;
        for (auto& a : storage)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        int outPipe[2], errPipe[2];
        if (::pipe2(outPipe, O_CLOEXEC) != 0)
            return false;
        if (::pipe2(errPipe, O_CLOEXEC) != 0) {
            ::close(outPipe[0]);
            ::close(outPipe[1]);
            return false;
        }
        const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        pid_ = ::fork();
        if (pid_ == 0) { // only async-signal-safe calls until exec
            ::dup2(devNull, 0);
            ::dup2(outPipe[1], 1);
            ::dup2(errPipe[1], 2);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        ::close(devNull);
        ::close(outPipe[1]);
        ::close(errPipe[1]);
        out_ = outPipe[0];
        err_ = errPipe[0];
        return pid_ > 0;
    }

    pid_t pid() const { return pid_; }
    const QByteArray& err() const { return result_.err; }
    const QByteArray& out() const { return result_.out; }

    // Reads output until `done()` holds, the output ends, or timeoutMs passes; true if done() held.
    template <typename Done>
    bool readUntil(Done done, int timeoutMs)
    {
        QElapsedTimer clock;
        clock.start();
        while (!done()) {
            const qint64 left = timeoutMs - clock.elapsed();
            if (left <= 0 || (out_ < 0 && err_ < 0))
                return done();
            pollOnce(int(std::min<qint64>(left, 100)));
        }
        return true;
    }

    // Reads everything until the child exits (killed after timeoutMs) and returns what it did.
    CliResult finish(int timeoutMs)
    {
        if (!readUntil([&] { return out_ < 0 && err_ < 0; }, timeoutMs)) {
            result_.timedOut = true;
            ::kill(pid_, SIGKILL);
            readUntil([&] { return out_ < 0 && err_ < 0; }, 5000);
        }
        int status = 0;
        if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) {
            pid_ = -1;
            if (WIFEXITED(status))
                result_.exitCode = WEXITSTATUS(status);
            else if (WIFSIGNALED(status))
                result_.crashed = true;
        }
        return result_;
    }

private:
    static void closeFd(int& fd)
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }

    void pollOnce(int timeoutMs)
    {
        pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
        if (::poll(fds, 2, timeoutMs) <= 0)
            return;
        char buffer[65536];
        for (int i = 0; i < 2; ++i) {
            int& fd = i == 0 ? out_ : err_;
            if (fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n > 0)
                (i == 0 ? result_.out : result_.err).append(buffer, qsizetype(n));
            else if (n == 0 || errno != EINTR)
                closeFd(fd);
        }
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    CliResult result_;
};

inline CliResult runLoftq(const QStringList& args, int timeoutMs = 120000)
{
    ChildProcess p;
    if (!p.start(loftqBinary().toStdString(), args)) {
        CliResult r;
        r.err = "could not start " + loftqBinary().toUtf8();
        return r;
    }
    return p.finish(timeoutMs);
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
