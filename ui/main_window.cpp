#include "main_window.hpp"
#include "about_box.hpp"
#include "budget_panel.hpp"
#include "calibration_panel.hpp"
#include "chart_widget.hpp"
#include "demo_model.hpp"
#include "display_text.hpp"
#include "eval_panel.hpp"
#include "export_dialog.hpp"
#include "loftq/atomic_file.hpp"
#include "loftq/errors.hpp"
#include "loftq/planned_vs_measured.hpp"
#include "plan_panel.hpp"
#include "run_panel.hpp"
#include "start_page.hpp"
#include "workbench_resources.hpp"
#include "workbench_settings.hpp"
#include "workspace.hpp"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace loftq::ui {

MainWindow::MainWindow(WorkbenchSettings& settings, QWidget* parent)
    : QMainWindow(parent), settings_(settings), model_(document_, results_)
{
    initWorkbenchResources();
    setWindowTitle(tr("LoftQ Workbench"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/loftq-workbench-128.png")));
    setAcceptDrops(true);
    createActions();

    startPage_ = new StartPage(this);
    startPage_->setDemoAvailable(!findDemoModel().isEmpty());
    document_.setExportFormats(settings_.exportFormats());
    workspace_ = new Workspace(document_, model_, results_, this);
    calibrationPanel_ = new CalibrationPanel(document_, settings_, this);
    workspace_->planPanel()->addCalibrationPanel(calibrationPanel_);
    runPanel_ = new RunPanel(results_, actions_.run, actions_.cancel, this);
    evalPanel_ = new EvalPanel(document_, runs_, settings_, this);
    workspace_->addEvaluationPanel(evalPanel_);
    workspacePage_ = new QWidget(this);
    auto* pageLayout = new QVBoxLayout(workspacePage_);
    pageLayout->setContentsMargins(0, 0, 0, 0);
    pageLayout->addWidget(workspace_, 1);
    pageLayout->addWidget(runPanel_);
    pages_ = new QStackedWidget(this);
    pages_->addWidget(startPage_);
    pages_->addWidget(workspacePage_);
    setCentralWidget(pages_);
    modelSummary_ = new QLabel(this);
    statusBar()->addPermanentWidget(modelSummary_);

    createMenus();
    connectRuns();
    connect(startPage_, &StartPage::openDemoRequested, this, &MainWindow::openDemoModel);
    connect(startPage_, &StartPage::openFileRequested, actions_.open, &QAction::trigger);
    connect(startPage_, &StartPage::openFolderRequested, actions_.openFolder, &QAction::trigger);
    connect(startPage_, &StartPage::openPathRequested, this, &MainWindow::openPath);
    connect(&opener_, &CheckpointOpener::opened, this, &MainWindow::checkpointOpened);
    connect(&opener_, &CheckpointOpener::failed, this, [this](const QString& path, const QString& message) {
        statusBar()->clearMessage();
        if (!QFileInfo::exists(path)) { // a recent file that was moved or deleted
            settings_.removeRecentFile(path);
            updateRecentFiles();
        }
        showError(tr("Cannot open checkpoint"), message);
    });
    connect(runPanel_, &RunPanel::threadsChanged, this, [this](int threads) {
        settings_.setThreads(threads);
        workspace_->setThreads(threads);
        evalPanel_->setThreads(threads);
    });
    runPanel_->setThreads(settings_.threads());
    workspace_->setThreads(settings_.threads());
    evalPanel_->setThreads(settings_.threads());

    updateRecentFiles();
    updateActions();
    restoreLayout();
}

// Members own the worker threads; their destructors cancel and join them.
MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    auto make = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        if (!key.isEmpty())
            a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        return a;
    };
    actions_.open = make(tr("&Open Checkpoint…"), QKeySequence::Open, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open checkpoint"), settings_.lastDirectory(),
                                                          tr("safetensors (*.safetensors *.json);;All files (*)"));
        if (!path.isEmpty())
            openPath(path);
    });
    actions_.openFolder = make(tr("Open Model &Folder…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), [this] {
        const QString path = QFileDialog::getExistingDirectory(this, tr("Open model folder"), settings_.lastDirectory());
        if (!path.isEmpty())
            openPath(path);
    });
    actions_.openDemo = make(tr("Open &Demo Model"), QKeySequence(Qt::CTRL | Qt::Key_D), &MainWindow::openDemoModel);
    actions_.loadPlan = make(tr("&Load Plan…"), QKeySequence(Qt::CTRL | Qt::Key_L), [this] {
        if (const QString path = askPlanFile(false); !path.isEmpty())
            loadPlan(path);
    });
    actions_.savePlan = make(tr("&Save Plan As…"), QKeySequence::Save, [this] {
        if (const QString path = askPlanFile(true); !path.isEmpty())
            savePlan(path);
    });
    actions_.exportModel = make(tr("&Export…"), QKeySequence(Qt::CTRL | Qt::Key_E), &MainWindow::showExportDialog);
    actions_.quit = make(tr("&Quit"), QKeySequence::Quit, &QWidget::close);
    actions_.run = make(tr("&Run"), QKeySequence(Qt::CTRL | Qt::Key_R), &MainWindow::startRun);
    actions_.run->setToolTip(tr("Run LoftQ on every layer and measure the errors; writes no files (Ctrl+R)"));
    actions_.cancel = make(tr("&Cancel"), QKeySequence(Qt::CTRL | Qt::Key_Period), &MainWindow::cancelRun);
    actions_.cancel->setToolTip(tr("Stop the run; nothing is written (Ctrl+.)"));
    actions_.focusFilter = make(tr("&Filter Layers"), QKeySequence::Find, [this] {
        workspace_->planPanel()->filter()->setFocus();
        workspace_->planPanel()->filter()->selectAll();
    });
    actions_.saveChart = make(tr("Save &Chart…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S), [this] {
        if (auto* chart = workspace_->currentChart())
            chart->saveWithDialog();
    });
    const QStringList tabNames{tr("&Error by Step"), tr("&QLoRA vs LoftQ"), tr("Residual &Spectrum"), tr("E&valuation")};
    for (int i = 0; i < tabNames.size(); ++i)
        actions_.chartTabs << make(tabNames[i], QKeySequence(Qt::CTRL | (Qt::Key_1 + i)),
                                   [this, i] { workspace_->chartTabs()->setCurrentIndex(i); });
    actions_.about = make(tr("&About LoftQ Workbench"), QKeySequence(Qt::Key_F1), [this] { showAboutBox(this); });
    actions_.aboutQt = make(tr("About &Qt"), QKeySequence(), [] { QApplication::aboutQt(); });
}

void MainWindow::createMenus()
{
    auto* file = menuBar()->addMenu(tr("&File"));
    file->addAction(actions_.open);
    file->addAction(actions_.openFolder);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    file->addAction(actions_.openDemo);
    file->addSeparator();
    file->addAction(actions_.loadPlan);
    file->addAction(actions_.savePlan);
    file->addSeparator();
    file->addAction(actions_.exportModel);
    file->addSeparator();
    file->addAction(actions_.quit);

    auto* plan = menuBar()->addMenu(tr("&Plan"));
    plan->addAction(actions_.focusFilter);
    plan->addSeparator();
    plan->addActions(workspace_->planPanel()->presetActions());

    auto* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(actions_.run);
    run->addAction(actions_.cancel);

    auto* view = menuBar()->addMenu(tr("&View"));
    view->addActions(actions_.chartTabs);
    view->addSeparator();
    view->addAction(actions_.saveChart);

    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(actions_.about);
    help->addAction(actions_.aboutQt);
}

void MainWindow::connectRuns()
{
    connect(&runs_, &RunController::started, this, [this] {
        std::vector<std::pair<std::string, int>> layers;
        for (const auto& l : document_.layers())
            layers.emplace_back(l.layer.tensorName, l.plan.quantize ? l.plan.steps : 0);
        results_.begin(layers, runs_.measuresOutput());
        runPlan_ = document_.plan(); // started comes inside RunController::start, before any edit
        updateActions();
    });
    connect(&runs_, &RunController::progress, &results_, &RunResults::apply);
    connect(&runs_, &RunController::finished, this, [this](const RunReport& report) {
        const auto planned = comparePlanned(runPlan_, report);
        runPanel_->showFinished(report, planned);
        workspace_->planPanel()->budgetPanel()->showRunCheck(planned);
    });
    connect(&runs_, &RunController::failed, this, [this](const QString& message) {
        results_.stop();
        runPanel_->showStopped(tr("Run failed: %1").arg(message));
        showError(tr("Run failed"), message);
    });
    connect(&runs_, &RunController::cancelled, this, [this] {
        results_.stop();
        runPanel_->showStopped(tr("Cancelled; nothing was written."));
    });
    connect(&runs_, &RunController::stopped, this, &MainWindow::updateActions);
}

void MainWindow::openPath(const QString& path)
{
    statusBar()->showMessage(tr("Opening %1…").arg(path));
    opener_.open(path);
}

void MainWindow::openDemoModel()
{
    const QString demo = findDemoModel();
    if (demo.isEmpty()) {
        showError(tr("Demo model missing"),
                  tr("The demo model (pico-llama-2L) was not found beside the program or in "
                     "/usr/share/loftq-workbench/demo."));
        return;
    }
    openPath(demo);
}

void MainWindow::checkpointOpened(const QString& path, std::shared_ptr<const Checkpoint> checkpoint)
{
    runs_.cancel(); // results of another checkpoint's run would not fit the new table
    results_.clear();
    document_.setCheckpoint(std::move(checkpoint));
    settings_.addRecentFile(path);
    settings_.setLastDirectory(QFileInfo(path).absolutePath());
    updateRecentFiles();
    pages_->setCurrentWidget(workspacePage_);
    setWindowTitle(tr("%1 — LoftQ Workbench").arg(QFileInfo(path).fileName()));
    std::uint64_t parameters = 0;
    for (const auto& l : document_.layers())
        parameters += l.layer.elements();
    modelSummary_->setText(tr("%1 · %2 target layers · %3 target parameters · %4 on disk")
                               .arg(QString::fromStdString(document_.checkpoint()->modelType()))
                               .arg(document_.layers().size())
                               .arg(QLocale().toString(qulonglong(parameters)))
                               .arg(humanBytes(document_.checkpoint()->totalBytes())));
    statusBar()->showMessage(tr("Opened %1").arg(path), 5000);
    updateActions();
}

bool MainWindow::loadPlan(const QString& path)
{
    try {
        document_.setPlan(Plan::load(path.toStdString()));
        statusBar()->showMessage(tr("Plan loaded from %1").arg(path), 5000);
        return true;
    } catch (const Error& e) {
        showError(tr("Cannot load plan"), QString::fromStdString(e.what()));
        return false;
    }
}

bool MainWindow::savePlan(const QString& path)
{
    try {
        writeFileAtomically(path.toStdString(), document_.plan().toJson().dump(2) + "\n");
        statusBar()->showMessage(tr("Plan saved to %1 (use it with: loftq quantize … --plan %1)").arg(path), 8000);
        return true;
    } catch (const std::exception& e) {
        showError(tr("Cannot save plan"), QString::fromStdString(e.what()));
        return false;
    }
}

void MainWindow::startRun()
{
    if (!document_.hasCheckpoint() || runs_.isRunning())
        return;
    const auto calibration = calibrationForRun();
    if (!calibration)
        return;
    RunOptions options;
    options.threads = settings_.threads();
    options.formats = document_.exportFormats(); // no folder: nothing is written, but codes are found as they will be
    runs_.start(document_.checkpoint(), document_.plan(), options, *calibration);
}

std::optional<RunCalibration> MainWindow::calibrationForRun()
{
    QString problem;
    auto calibration = calibrationPanel_->runCalibration(&problem);
    if (!calibration) {
        workspace_->planPanel()->setCalibrationVisible(true);
        runPanel_->showStopped(tr("Not started: %1").arg(problem));
    }
    return calibration;
}

void MainWindow::cancelRun() { runs_.cancel(); }

ExportDialog* MainWindow::showExportDialog()
{
    if (!document_.hasCheckpoint() || runs_.isRunning())
        return nullptr;
    const auto calibration = calibrationForRun();
    if (!calibration)
        return nullptr;
    auto* dialog = new ExportDialog(document_, runs_, settings_, settings_.threads(), *calibration, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();
    return dialog;
}

void MainWindow::showError(const QString& title, const QString& message)
{
    // Window-modal but not blocking: the event loop, and any run, go on while it is shown.
    auto* box = new QMessageBox(QMessageBox::Critical, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::updateActions()
{
    const bool open = document_.hasCheckpoint();
    const bool running = runs_.isRunning();
    actions_.run->setEnabled(open && !running);
    actions_.cancel->setEnabled(running);
    actions_.exportModel->setEnabled(open && !running);
    actions_.loadPlan->setEnabled(open);
    actions_.savePlan->setEnabled(open);
    actions_.saveChart->setEnabled(open);
    for (auto* a : actions_.chartTabs)
        a->setEnabled(open);
}

void MainWindow::updateRecentFiles()
{
    const QStringList files = settings_.recentFiles();
    recentMenu_->clear();
    for (const auto& path : files)
        connect(recentMenu_->addAction(path), &QAction::triggered, this, [this, path] { openPath(path); });
    recentMenu_->setEnabled(!files.isEmpty());
    startPage_->setRecentFiles(files);
}

QString MainWindow::askPlanFile(bool save)
{
    const QString filter = tr("LoftQ plan (*.json);;All files (*)");
    const QString dir = QDir(settings_.lastDirectory()).filePath(QStringLiteral("loftq_plan.json"));
    return save ? QFileDialog::getSaveFileName(this, tr("Save plan"), dir, filter)
                : QFileDialog::getOpenFileName(this, tr("Load plan"), settings_.lastDirectory(), filter);
}

void MainWindow::restoreLayout()
{
    if (!restoreGeometry(settings_.mainWindowGeometry()))
        resize(1480, 900);
    restoreState(settings_.mainWindowState());
    workspace_->splitter()->restoreState(settings_.workspaceSplitterState());
    workspace_->chartTabs()->setCurrentIndex(settings_.chartTab());
}

void MainWindow::saveLayout()
{
    settings_.setMainWindowGeometry(saveGeometry());
    settings_.setMainWindowState(saveState());
    settings_.setWorkspaceSplitterState(workspace_->splitter()->saveState());
    settings_.setChartTab(workspace_->chartTabs()->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    saveLayout();
    runs_.cancel(); // the controllers join their threads when the window is destroyed
    evalPanel_->cancel();
    calibrationPanel_->cancel(); // a collection stops between blocks and leaves no file
    QMainWindow::closeEvent(event);
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (!urls.isEmpty() && urls.first().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    const auto urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.first().isLocalFile())
        return;
    event->acceptProposedAction();
    openPath(urls.first().toLocalFile());
}

} // namespace loftq::ui
