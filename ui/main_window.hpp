#pragma once
// The workbench window: menus and shortcuts, the start page or the workspace, the run strip, and
// the wiring between the document, the run controller and the views. Engine work happens in the
// controllers' threads, never here.
#include "checkpoint_opener.hpp"
#include "layer_table_model.hpp"
#include "plan_document.hpp"
#include "run_controller.hpp"
#include "run_results.hpp"

#include <QMainWindow>
#include <optional>

class QLabel;
class QMenu;
class QStackedWidget;

namespace loftq::ui {

class CalibrationPanel;
class EvalPanel;
class ExportDialog;
class RunPanel;
class StartPage;
class WorkbenchSettings;
class Workspace;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(WorkbenchSettings& settings, QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens a .safetensors file or a model folder in the background; errors show as a dialog.
    void openPath(const QString& path);
    void openDemoModel();
    // Reads a plan file (the JSON the CLI reads with --plan); errors show as a dialog.
    bool loadPlan(const QString& path);
    bool savePlan(const QString& path);
    // Measures every layer's error with the current plan; writes nothing.
    void startRun();
    void cancelRun();
    ExportDialog* showExportDialog();

    PlanDocument& document() { return document_; }
    RunResults& results() { return results_; }
    LayerTableModel& layerModel() { return model_; }
    RunController& runController() { return runs_; }
    CheckpointOpener& opener() { return opener_; }
    Workspace* workspace() const { return workspace_; }
    EvalPanel* evalPanel() const { return evalPanel_; }
    CalibrationPanel* calibrationPanel() const { return calibrationPanel_; }
    StartPage* startPage() const { return startPage_; }

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void createActions();
    void createMenus();
    void connectRuns();
    void checkpointOpened(const QString& path, std::shared_ptr<const Checkpoint> checkpoint);
    void showError(const QString& title, const QString& message);
    // The calibration of the next run or export; null, with the reason shown, when it is not ready.
    std::optional<RunCalibration> calibrationForRun();
    void updateActions();
    void updateRecentFiles();
    void restoreLayout();
    void saveLayout();
    QString askPlanFile(bool save);

    WorkbenchSettings& settings_;
    PlanDocument document_;
    RunResults results_;
    LayerTableModel model_;
    RunController runs_;
    Plan runPlan_; // the plan of the run going on (or the last), as it was when it started
    CheckpointOpener opener_;

    QStackedWidget* pages_ = nullptr;
    StartPage* startPage_ = nullptr;
    QWidget* workspacePage_ = nullptr;
    Workspace* workspace_ = nullptr;
    RunPanel* runPanel_ = nullptr;
    EvalPanel* evalPanel_ = nullptr;
    CalibrationPanel* calibrationPanel_ = nullptr;
    QLabel* modelSummary_ = nullptr;
    QMenu* recentMenu_ = nullptr;

    struct Actions {
        QAction *open, *openFolder, *openDemo, *loadPlan, *savePlan, *exportModel, *quit;
        QAction *run, *cancel;
        QAction *focusFilter, *saveChart, *about, *aboutQt;
        QList<QAction*> chartTabs;
    } actions_{};
};

} // namespace loftq::ui
