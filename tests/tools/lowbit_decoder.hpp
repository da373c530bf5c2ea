#pragma once
// Runs the independent numpy decoder of the low-bit exports (tests/tools/decode_lowbit.py).
#include "test_paths.hpp"

#include <QProcess>
#include <QStringList>
#include <nlohmann/json.hpp>

namespace loftq::test {

struct DecoderResult {
    int exitCode = -1;
    QString output;
};

inline DecoderResult decodeLowBit(const QStringList& args)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(systemPython(), QStringList{QString::fromStdString(sourceDir() + "/tests/tools/decode_lowbit.py")} + args);
    p.waitForFinished(600'000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAll())};
}

// The numpy re-implementation of how transformers 5.17 + bitsandbytes load a bnb-nf4 export
// (tests/tools/bnb_load_check.py, written from their source): the Q it yields must be HF_EXPORT's.
inline DecoderResult bnbLoadCheck(const std::string& bnbExport, const std::string& hfExport)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(systemPython(), {QString::fromStdString(sourceDir() + "/tests/tools/bnb_load_check.py"),
                             QString::fromStdString(bnbExport), QString::fromStdString(hfExport)});
    p.waitForFinished(600'000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAll())};
}

// The decoder's (or checker's) summary: its last line.
inline nlohmann::json lastJsonLine(const QString& output)
{
    const auto lines = output.trimmed().split('\n');
    return nlohmann::json::parse(lines.last().toStdString());
}

} // namespace loftq::test
