#pragma once
// Every persisted setting of the workbench, with typed accessors; the QSettings keys live only in
// workbench_settings.cpp.
#include "loftq/export_format.hpp"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>
#include <memory>
#include <vector>

namespace loftq::ui {

// Where the statistics of output-aware LoftQ come from (docs/calibration.md).
enum class CalibrationSource { None, Text, Statistics };

class WorkbenchSettings {
public:
    // The user's settings (organization and application names set in main()).
    WorkbenchSettings();
    // Settings kept in one INI file (tests, screenshots), so the user's are never touched.
    explicit WorkbenchSettings(const QString& iniFile);

    static constexpr int kMaxRecentFiles = 8;
    QStringList recentFiles() const;
    // Moves `path` to the front of the recent list (deduplicated, at most kMaxRecentFiles).
    void addRecentFile(const QString& path);
    void removeRecentFile(const QString& path);

    QByteArray mainWindowGeometry() const;
    void setMainWindowGeometry(const QByteArray& geometry);
    QByteArray mainWindowState() const;
    void setMainWindowState(const QByteArray& state);
    QByteArray workspaceSplitterState() const;
    void setWorkspaceSplitterState(const QByteArray& state);
    int chartTab() const;
    void setChartTab(int index);

    // Where the next file dialog starts.
    QString lastDirectory() const;
    void setLastDirectory(const QString& directory);
    QString lastExportDirectory() const;
    void setLastExportDirectory(const QString& directory);
    // The export formats last chosen (hf-peft when none was, or none is known any more).
    std::vector<ExportFormat> exportFormats() const;
    void setExportFormats(const std::vector<ExportFormat>& formats);

    // Worker threads for runs and spectra; defaults to the machine's core count.
    int threads() const;
    void setThreads(int threads);

    // The evaluation panel: text files evaluated on (most recent first), window length (0: the
    // engine's default, min(512, max positions)) and how many tokens of the text to use.
    QStringList recentTextFiles() const;
    void addRecentTextFile(const QString& path);
    void removeRecentTextFile(const QString& path);
    int evalContext() const;
    void setEvalContext(int tokens);
    int evalMaxTokens() const;
    void setEvalMaxTokens(int tokens);

    // The plan panel's calibration: the source and its files, the collection's window length (0:
    // the engine's default) and tokens, the damping as typed (empty: the statistics' default) and
    // the objective (output unless weight was chosen).
    CalibrationSource calibrationSource() const;
    void setCalibrationSource(CalibrationSource source);
    QString calibrationTextFile() const;
    void setCalibrationTextFile(const QString& path);
    QString calibrationStatsFile() const;
    void setCalibrationStatsFile(const QString& path);
    int calibrationContext() const;
    void setCalibrationContext(int tokens);
    int calibrationMaxTokens() const;
    void setCalibrationMaxTokens(int tokens);
    QString calibrationDamping() const;
    void setCalibrationDamping(const QString& damping);
    bool calibrationWeightObjective() const;
    void setCalibrationWeightObjective(bool weight);

private:
    QStringList recentList(const char* key) const;
    void addToRecentList(const char* key, const QString& path);
    void removeFromRecentList(const char* key, const QString& path);

    std::unique_ptr<QSettings> settings_;
};

} // namespace loftq::ui
