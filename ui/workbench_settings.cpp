#include "workbench_settings.hpp"

#include <QThread>

namespace loftq::ui {
namespace {

namespace Key {
constexpr auto recentFiles = "files/recent";
constexpr auto lastDirectory = "files/lastDirectory";
constexpr auto lastExportDirectory = "files/lastExportDirectory";
constexpr auto geometry = "window/geometry";
constexpr auto state = "window/state";
constexpr auto splitter = "window/workspaceSplitter";
constexpr auto chartTab = "window/chartTab";
constexpr auto threads = "run/threads";
} // namespace Key

} // namespace

WorkbenchSettings::WorkbenchSettings() : settings_(std::make_unique<QSettings>()) {}

WorkbenchSettings::WorkbenchSettings(const QString& iniFile)
    : settings_(std::make_unique<QSettings>(iniFile, QSettings::IniFormat))
{
}

QStringList WorkbenchSettings::recentFiles() const { return settings_->value(Key::recentFiles).toStringList(); }

void WorkbenchSettings::addRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    files.prepend(path);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    settings_->setValue(Key::recentFiles, files);
}

void WorkbenchSettings::removeRecentFile(const QString& path)
{
    QStringList files = recentFiles();
    files.removeAll(path);
    settings_->setValue(Key::recentFiles, files);
}

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

int WorkbenchSettings::threads() const
{
    const int t = settings_->value(Key::threads, QThread::idealThreadCount()).toInt();
    return qBound(1, t, 256);
}
void WorkbenchSettings::setThreads(int threads) { settings_->setValue(Key::threads, threads); }

} // namespace loftq::ui
