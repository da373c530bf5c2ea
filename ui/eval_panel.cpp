#include "eval_panel.hpp"
#include "display_text.hpp"
#include "eval_history_model.hpp"
#include "eval_kl_chart.hpp"
#include "eval_metrics_model.hpp"
#include "eval_worst_model.hpp"
#include "loftq/atomic_file.hpp"
#include "plan_document.hpp"
#include "run_controller.hpp"
#include "token_window_boxes.hpp"
#include "workbench_settings.hpp"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace loftq::ui {
namespace {

QTableView* makeTable(QAbstractItemModel* model, QWidget* parent)
{
    auto* view = new QTableView(parent);
    view->setModel(model);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    view->setWordWrap(false);
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    return view;
}

} // namespace

EvalPanel::EvalPanel(const PlanDocument& document, RunController& runs, WorkbenchSettings& settings, QWidget* parent)
    : QWidget(parent), document_(document), settings_(settings), controller_(new EvalController(this)),
      metrics_(new EvalMetricsModel(this)), worst_(new EvalWorstModel(this)), history_(new EvalHistoryModel(this)),
      chart_(new EvalKlChart(this)), text_(new QComboBox(this)), context_(new QSpinBox(this)),
      tokens_(new QSpinBox(this)), evalOriginal_(new QPushButton(tr("Evaluate original"), this)),
      evalRun_(new QPushButton(tr("Evaluate run"), this)), evalExport_(new QPushButton(tr("Evaluate export…"), this)),
      cancel_(new QPushButton(tr("Cancel"), this)), saveHistory_(new QPushButton(tr("Save history…"), this)),
      bar_(new QProgressBar(this)), status_(new QLabel(this))
{
    text_->setEditable(true);
    text_->setInsertPolicy(QComboBox::NoInsert);
    text_->lineEdit()->setPlaceholderText(tr("a UTF-8 text file"));
    text_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    updateRecentTexts();
    auto* browse = new QPushButton(tr("Browse…"), this);
    setUpContextBox(context_, settings_.evalContext());
    setUpTokensBox(tokens_, settings_.evalMaxTokens());
    evalOriginal_->setToolTip(tr("The open checkpoint alone: NLL, perplexity, bits per byte"));
    evalExport_->setToolTip(tr("An export folder (hf-peft, bnb-nf4, packed) of the open checkpoint against it"));
    bar_->setRange(0, EvalController::kProgressSteps);
    bar_->setValue(0);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* textRow = new QHBoxLayout;
    textRow->addWidget(text_, 1);
    textRow->addWidget(browse);
    textRow->addSpacing(12);
    textRow->addWidget(new QLabel(tr("Context:"), this));
    textRow->addWidget(context_);
    textRow->addWidget(new QLabel(tr("Tokens:"), this));
    textRow->addWidget(tokens_);
    auto* actionRow = new QHBoxLayout;
    for (auto* b : {evalOriginal_, evalRun_, evalExport_, cancel_})
        actionRow->addWidget(b);
    actionRow->addWidget(bar_, 1);
    auto* form = new QFormLayout;
    form->addRow(tr("Text:"), textRow);
    form->addRow(QString(), actionRow);
    form->addRow(QString(), status_);

    auto* metricsView = makeTable(metrics_, this);
    metricsView->setObjectName(QStringLiteral("evalMetrics"));
    metricsView->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    auto* worstView = makeTable(worst_, this);
    worstView->setObjectName(QStringLiteral("evalWorst"));
    auto* historyView = makeTable(history_, this);
    historyView->setObjectName(QStringLiteral("evalHistory"));
    auto* historyPage = new QWidget(this);
    auto* historyLayout = new QVBoxLayout(historyPage);
    historyLayout->setContentsMargins(0, 0, 0, 0);
    historyLayout->addWidget(historyView, 1);
    auto* historyButtons = new QHBoxLayout;
    historyButtons->addStretch(1);
    historyButtons->addWidget(saveHistory_);
    historyLayout->addLayout(historyButtons);
    auto* lists = new QTabWidget(this);
    lists->addTab(worstView, tr("Worst predictions"));
    lists->addTab(historyPage, tr("History"));

    auto* top = new QSplitter(Qt::Horizontal, this);
    top->addWidget(metricsView);
    top->addWidget(chart_);
    top->setStretchFactor(0, 2);
    top->setStretchFactor(1, 3);
    auto* split = new QSplitter(Qt::Vertical, this);
    split->addWidget(top);
    split->addWidget(lists);
    split->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(split, 1);

    connect(browse, &QPushButton::clicked, this, &EvalPanel::chooseTextFile);
    connect(evalOriginal_, &QPushButton::clicked, this, &EvalPanel::evaluateOriginal);
    connect(evalRun_, &QPushButton::clicked, this, &EvalPanel::evaluateRun);
    connect(evalExport_, &QPushButton::clicked, this, &EvalPanel::chooseExport);
    connect(cancel_, &QPushButton::clicked, this, &EvalPanel::cancel);
    connect(saveHistory_, &QPushButton::clicked, this, &EvalPanel::chooseHistoryFile);
    connect(context_, &QSpinBox::valueChanged, this, [this](int v) { settings_.setEvalContext(v); });
    connect(tokens_, &QSpinBox::valueChanged, this, [this](int v) { settings_.setEvalMaxTokens(v); });

    connect(controller_, &EvalController::progress, this, [this](double fraction, const QString& what) {
        bar_->setValue(int(fraction * EvalController::kProgressSteps));
        status_->setText(tr("Evaluating… %1").arg(what));
    });
    connect(controller_, &EvalController::finished, this, &EvalPanel::showOutcome);
    connect(controller_, &EvalController::failed, this, [this](const QString& message) {
        bar_->setValue(0);
        status_->setText(tr("Evaluation failed: %1").arg(message));
    });
    connect(controller_, &EvalController::cancelled, this, [this] {
        bar_->setValue(0);
        status_->setText(tr("Evaluation cancelled."));
    });
    connect(controller_, &EvalController::stopped, this, &EvalPanel::updateButtons);

    // The run "Evaluate run" reads: the plan as it was when the run started (started is emitted
    // inside RunController::start, before any edit can come between), complete once it finished.
    connect(&runs, &RunController::started, this, [this, &runs] {
        starting_ = RunSnapshot{document_.checkpoint(), document_.plan(), runs.calibration().forRunResult(), std::nullopt};
    });
    connect(&runs, &RunController::finished, this, [this](const RunReport& report) {
        if (starting_ && starting_->checkpoint == document_.checkpoint()) {
            run_ = std::move(starting_);
            run_->report = report;
        }
        starting_.reset();
        updateButtons();
    });
    connect(&runs, &RunController::failed, this, [this] { starting_.reset(); });
    connect(&runs, &RunController::cancelled, this, [this] { starting_.reset(); });
    connect(&document_, &PlanDocument::checkpointChanged, this, [this] {
        controller_->cancel(); // figures of another model would not fit this one
        run_.reset();
        starting_.reset();
        updateButtons();
    });
    updateButtons();
    status_->setText(tr("Choose a text file, then evaluate the original, the last run or an export. KL and top-1 "
                        "agreement compare each model with the original on the same windows."));
}

// The controller, a child, cancels and joins its evaluation as it is destroyed.
EvalPanel::~EvalPanel() = default;

void EvalPanel::setTextFile(const QString& path) { text_->setEditText(path); }

QString EvalPanel::textFile() const { return text_->currentText().trimmed(); }

bool EvalPanel::hasRunResult() const { return run_ && run_->report && run_->checkpoint == document_.checkpoint(); }

void EvalPanel::evaluateOriginal() { start(EvalSubject::Original); }

void EvalPanel::evaluateRun()
{
    if (hasRunResult())
        start(EvalSubject::Run);
}

void EvalPanel::evaluateExport(const QString& path) { start(EvalSubject::Export, path); }

void EvalPanel::cancel() { controller_->cancel(); }

void EvalPanel::start(EvalSubject subject, const QString& exportPath)
{
    if (controller_->isEvaluating() || !document_.hasCheckpoint())
        return;
    const QString text = textFile();
    if (text.isEmpty() || !QFileInfo(text).isFile()) {
        status_->setText(text.isEmpty() ? tr("Choose a text file first.") : tr("%1: no such file.").arg(text));
        if (!text.isEmpty()) {
            settings_.removeRecentTextFile(text);
            updateRecentTexts();
        }
        return;
    }
    EvalRequest request;
    request.subject = subject;
    request.checkpoint = document_.checkpoint();
    if (subject == EvalSubject::Run) {
        request.plan = run_->plan;
        request.calibration = run_->calibration;
        request.runReport = run_->report;
    }
    request.exportPath = exportPath.toStdString();
    request.textFile = text.toStdString();
    request.options.context = context_->value();
    request.options.maxTokens = std::size_t(tokens_->value());
    request.options.threads = threads_;
    settings_.addRecentTextFile(text);
    updateRecentTexts();
    bar_->setValue(0);
    status_->setText(tr("Evaluating…"));
    controller_->start(request);
    updateButtons();
}

void EvalPanel::showOutcome(const EvalOutcome& outcome)
{
    metrics_->setOutcome(outcome);
    worst_->setOutcome(outcome);
    chart_->setOutcome(outcome);
    history_->append(controller_->request(), outcome);
    bar_->setValue(EvalController::kProgressSteps);
    const auto* main = outcome.main();
    const QString where = tr("%1 predictions in %2 windows of %3 tokens from %4, %5")
                              .arg(main->predictions)
                              .arg(main->windows)
                              .arg(main->context)
                              .arg(QFileInfo(QString::fromStdString(controller_->request().textFile)).fileName(),
                                   durationText(main->seconds + (outcome.backbone ? outcome.backbone->seconds : 0)));
    if (main->comparison)
        status_->setText(tr("LoftQ: mean KL %1 nats, top-1 agreement %2 %, NLL %3 (original %4). %5")
                             .arg(main->comparison->meanKl, 0, 'f', 4)
                             .arg(main->comparison->top1Agreement * 100, 0, 'f', 2)
                             .arg(main->metrics.nll, 0, 'f', 4)
                             .arg(main->originalMetrics ? main->originalMetrics->nll : 0.0, 0, 'f', 4)
                             .arg(where));
    else
        status_->setText(tr("Original: NLL %1, perplexity %2. %3")
                             .arg(main->metrics.nll, 0, 'f', 4)
                             .arg(main->metrics.perplexity, 0, 'f', 3)
                             .arg(where));
}

void EvalPanel::updateButtons()
{
    const bool busy = controller_->isEvaluating();
    const bool open = document_.hasCheckpoint();
    evalOriginal_->setEnabled(open && !busy);
    evalRun_->setEnabled(open && !busy && hasRunResult());
    evalExport_->setEnabled(open && !busy);
    cancel_->setEnabled(busy);
    text_->setEnabled(!busy);
    context_->setEnabled(!busy);
    tokens_->setEnabled(!busy);
    evalRun_->setToolTip(!hasRunResult() ? tr("Run first (Ctrl+R): this evaluates the last run's result")
                                         : tr("The last run's result against the original, backbone only and with the "
                                              "adapter. Nothing is exported: the run keeps errors, not weights, so each "
                                              "layer's LoftQ is computed again with the run's plan, seeds and "
                                              "calibration (statistics, damping, objective) while the evaluation reads it."));
}

void EvalPanel::updateRecentTexts()
{
    const QString current = text_->currentText();
    text_->clear();
    text_->addItems(settings_.recentTextFiles());
    text_->setEditText(current.isEmpty() && text_->count() > 0 ? text_->itemText(0) : current);
}

void EvalPanel::chooseTextFile()
{
    const QString start = textFile().isEmpty() ? settings_.lastDirectory() : QFileInfo(textFile()).absolutePath();
    const QString path = QFileDialog::getOpenFileName(this, tr("Text to evaluate on"), start,
                                                      tr("Text (*.txt *.md);;All files (*)"));
    if (!path.isEmpty())
        setTextFile(path);
}

void EvalPanel::chooseExport()
{
    const QString path = QFileDialog::getExistingDirectory(this, tr("Export folder to evaluate"),
                                                           settings_.lastExportDirectory());
    if (!path.isEmpty())
        evaluateExport(path);
}

void EvalPanel::chooseHistoryFile()
{
    const QString dir = settings_.lastExportDirectory().isEmpty() ? settings_.lastDirectory() : settings_.lastExportDirectory();
    const QString path = QFileDialog::getSaveFileName(this, tr("Save evaluation history"),
                                                      QDir(dir).filePath(QStringLiteral("loftq_eval_history.json")),
                                                      tr("JSON (*.json);;All files (*)"));
    if (!path.isEmpty())
        saveHistory(path);
}

bool EvalPanel::saveHistory(const QString& path)
{
    try {
        writeFileAtomically(path.toStdString(), history_->toJson().dump(2) + "\n");
        status_->setText(tr("History saved to %1.").arg(path));
        return true;
    } catch (const std::exception& e) {
        status_->setText(tr("Cannot save the history: %1").arg(QString::fromStdString(e.what())));
        return false;
    }
}

} // namespace loftq::ui
