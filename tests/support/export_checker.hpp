#pragma once
// Runs the independent numpy checker (tests/oracle/check_export.py) on an export.
#include "test_paths.hpp"

#include <QProcess>
#include <QStringList>

namespace loftq::test {

struct CheckResult {
    int exitCode = -1;
    QString output;
};

inline CheckResult checkExport(const std::string& original, const std::string& exported, QStringList extra = {})
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    QStringList args{QString::fromStdString(oracleDir() + "/check_export.py"), QString::fromStdString(original),
                     QString::fromStdString(exported)};
    p.start(systemPython(), args + extra);
    p.waitForFinished(600'000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAll())};
}

} // namespace loftq::test
