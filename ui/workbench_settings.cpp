#include "workbench_settings.hpp"
#include "loftq/eval.hpp"

#include <QThread>

namespace loftq::ui {
namespace {

namespace Key {
constexpr auto recentFiles = "files/recent";
constexpr auto lastDirectory = "files/lastDirectory";
constexpr auto lastExportDirectory = "files/lastExportDirectory";
constexpr auto exportFormats = "export/formats";
constexpr auto geometry = "window/geometry";
constexpr auto state = "window/state";
constexpr auto splitter = "window/workspaceSplitter";
constexpr auto chartTab = "window/chartTab";
constexpr auto threads = "run/threads";
constexpr auto recentTextFiles = "eval/recentTextFiles";
constexpr auto evalContext = "eval/context";
constexpr auto evalMaxTokens = "eval/maxTokens";
} // namespace Key

} // namespace

WorkbenchSettings::WorkbenchSettings() : settings_(std::make_unique<QSettings>()) {}

WorkbenchSettings::WorkbenchSettings(const QString& iniFile)
    : settings_(std::make_unique<QSettings>(iniFile, QSettings::IniFormat))
{
}

QStringList WorkbenchSettings::recentList(const char* key) const { return settings_->value(key).toStringList(); }

void WorkbenchSettings::addToRecentList(const char* key, const QString& path)
{
    QStringList files = recentList(key);
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings_->setValue(key, files);
}

void WorkbenchSettings::removeFromRecentList(const char* key, const QString& path)
{
    QStringList files = recentList(key);
    files.removeAll(path);
    settings_->setValue(key, files);
}

QStringList WorkbenchSettings::recentFiles() const { return recentList(Key::recentFiles); }
void WorkbenchSettings::addRecentFile(const QString& path) { addToRecentList(Key::recentFiles, path); }
void WorkbenchSettings::removeRecentFile(const QString& path) { removeFromRecentList(Key::recentFiles, path); }
QStringList WorkbenchSettings::recentTextFiles() const { return recentList(Key::recentTextFiles); }
void WorkbenchSettings::addRecentTextFile(const QString& path) { addToRecentList(Key::recentTextFiles, path); }
void WorkbenchSettings::removeRecentTextFile(const QString& path) { removeFromRecentList(Key::recentTextFiles, path); }

QByteArray WorkbenchSettings::mainWindowGeometry() const { return settings_->value(Key::geometry).toByteArray(); }
void WorkbenchSettings::setMainWindowGeometry(const QByteArray& g) { settings_->setValue(Key::geometry, g); }
QByteArray WorkbenchSettings::mainWindowState() const { return settings_->value(Key::state).toByteArray(); }
void WorkbenchSettings::setMainWindowState(const QByteArray& s) { settings_->setValue(Key::state, s); }
QByteArray WorkbenchSettings::workspaceSplitterState() const { return settings_->value(Key::splitter).toByteArray(); }
void WorkbenchSettings::setWorkspaceSplitterState(const QByteArray& s) { settings_->setValue(Key::splitter, s); }
int WorkbenchSettings::chartTab() const { return settings_->value(Key::chartTab, 0).toInt(); }
void WorkbenchSettings::setChartTab(int index) { settings_->setValue(Key::chartTab, index); }

QString WorkbenchSettings::lastDirectory() const { return settings_->value(Key::lastDirectory).toString(); }
void WorkbenchSettings::setLastDirectory(const QString& d) { settings_->setValue(Key::lastDirectory, d); }
QString WorkbenchSettings::lastExportDirectory() const { return settings_->value(Key::lastExportDirectory).toString(); }
void WorkbenchSettings::setLastExportDirectory(const QString& d) { settings_->setValue(Key::lastExportDirectory, d); }

std::vector<ExportFormat> WorkbenchSettings::exportFormats() const
{
    std::vector<ExportFormat> formats;
    for (const auto& name : settings_->value(Key::exportFormats).toStringList())
        if (const auto format = parseExportFormat(name.toStdString()))
            formats.push_back(*format);
    if (formats.empty())
        formats.push_back(ExportFormat::HfPeft);
    return formats;
}

void WorkbenchSettings::setExportFormats(const std::vector<ExportFormat>& formats)
{
    QStringList names;
    for (const auto format : formats)
        names << QString::fromStdString(std::string(exportFormatName(format)));
    settings_->setValue(Key::exportFormats, names);
}

int WorkbenchSettings::threads() const
{
    const int t = settings_->value(Key::threads, QThread::idealThreadCount()).toInt();
    return qBound(1, t, 256);
}
void WorkbenchSettings::setThreads(int threads) { settings_->setValue(Key::threads, threads); }

int WorkbenchSettings::evalContext() const { return qMax(0, settings_->value(Key::evalContext, 0).toInt()); }
void WorkbenchSettings::setEvalContext(int tokens) { settings_->setValue(Key::evalContext, tokens); }
int WorkbenchSettings::evalMaxTokens() const { return qMax(2, settings_->value(Key::evalMaxTokens, int(EvalOptions{}.maxTokens)).toInt()); }
void WorkbenchSettings::setEvalMaxTokens(int tokens) { settings_->setValue(Key::evalMaxTokens, tokens); }

} // namespace loftq::ui
