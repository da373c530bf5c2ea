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
constexpr auto calibrationSource = "calibration/source";
constexpr auto calibrationTextFile = "calibration/textFile";
constexpr auto calibrationStatsFile = "calibration/statisticsFile";
constexpr auto calibrationContext = "calibration/context";
constexpr auto calibrationMaxTokens = "calibration/maxTokens";
constexpr auto calibrationDamping = "calibration/damping";
constexpr auto calibrationObjective = "calibration/objective";
} // namespace Key

// How each calibration source is stored (by name, so a reordered enum reads old settings right).
const std::pair<CalibrationSource, const char*> kSourceNames[] = {
    {CalibrationSource::None, "none"}, {CalibrationSource::Text, "text"}, {CalibrationSource::Statistics, "statistics"}};

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

CalibrationSource WorkbenchSettings::calibrationSource() const
{
    const QString name = settings_->value(Key::calibrationSource).toString();
    for (const auto& [source, stored] : kSourceNames)
        if (name == QLatin1String(stored))
            return source;
    return CalibrationSource::None;
}
void WorkbenchSettings::setCalibrationSource(CalibrationSource source)
{
    for (const auto& [known, stored] : kSourceNames)
        if (known == source)
            settings_->setValue(Key::calibrationSource, QString::fromLatin1(stored));
}
QString WorkbenchSettings::calibrationTextFile() const { return settings_->value(Key::calibrationTextFile).toString(); }
void WorkbenchSettings::setCalibrationTextFile(const QString& p) { settings_->setValue(Key::calibrationTextFile, p); }
QString WorkbenchSettings::calibrationStatsFile() const { return settings_->value(Key::calibrationStatsFile).toString(); }
void WorkbenchSettings::setCalibrationStatsFile(const QString& p) { settings_->setValue(Key::calibrationStatsFile, p); }
int WorkbenchSettings::calibrationContext() const { return qMax(0, settings_->value(Key::calibrationContext, 0).toInt()); }
void WorkbenchSettings::setCalibrationContext(int tokens) { settings_->setValue(Key::calibrationContext, tokens); }
int WorkbenchSettings::calibrationMaxTokens() const
{
    return qMax(2, settings_->value(Key::calibrationMaxTokens, int(EvalOptions{}.maxTokens)).toInt());
}
void WorkbenchSettings::setCalibrationMaxTokens(int tokens) { settings_->setValue(Key::calibrationMaxTokens, tokens); }
QString WorkbenchSettings::calibrationDamping() const { return settings_->value(Key::calibrationDamping).toString(); }
void WorkbenchSettings::setCalibrationDamping(const QString& d) { settings_->setValue(Key::calibrationDamping, d); }
bool WorkbenchSettings::calibrationWeightObjective() const
{
    return settings_->value(Key::calibrationObjective).toString() == QLatin1String("weight");
}
void WorkbenchSettings::setCalibrationWeightObjective(bool weight)
{
    settings_->setValue(Key::calibrationObjective, weight ? QStringLiteral("weight") : QStringLiteral("output"));
}

} // namespace loftq::ui
