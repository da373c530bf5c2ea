#include "plan_panel.hpp"
#include "budget_panel.hpp"
#include "bulk_edit_bar.hpp"
#include "calibration_panel.hpp"
#include "layer_edit_delegate.hpp"
#include "layer_table_model.hpp"
#include "plan_document.hpp"
#include "rules_editor.hpp"
#include "size_estimate_label.hpp"

#include <QAction>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QRegularExpression>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace loftq::ui {

PlanPanel::PlanPanel(PlanDocument& document, LayerTableModel& model, QWidget* parent)
    : QWidget(parent), document_(document), model_(model), proxy_(new QSortFilterProxyModel(this)),
      table_(new QTableView(this)), filter_(new QLineEdit(this)), bulk_(new BulkEditBar(this)),
      rules_(new RulesEditor(document, this)), budget_(new BudgetPanel(document, this))
{
    proxy_->setSourceModel(&model_);
    proxy_->setSortRole(LayerTableModel::SortRole);
    proxy_->setFilterKeyColumn(LayerTableModel::Name);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    table_->setModel(proxy_);
    table_->setItemDelegate(new LayerEditDelegate(table_));
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                            QAbstractItemView::AnyKeyPressed);
    table_->setSortingEnabled(true);
    table_->sortByColumn(-1, Qt::AscendingOrder); // model order until the user sorts
    table_->setAlternatingRowColors(true);
    table_->verticalHeader()->setVisible(false);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setWordWrap(false);
    table_->setTextElideMode(Qt::ElideMiddle);

    filter_->setPlaceholderText(tr("Filter layers by name (regex), e.g. mlp|v_proj"));
    filter_->setClearButtonEnabled(true);
    connect(filter_, &QLineEdit::textChanged, this, &PlanPanel::applyFilter);

    rulesBox_ = new QGroupBox(tr("Rules by name pattern"), this);
    auto* rulesLayout = new QVBoxLayout(rulesBox_);
    rulesLayout->setContentsMargins(6, 4, 6, 4);
    rulesLayout->addWidget(rules_);
    rulesBox_->setVisible(false);
    budgetBox_ = new QGroupBox(tr("Plan for a budget"), this);
    auto* budgetLayout = new QVBoxLayout(budgetBox_);
    budgetLayout->setContentsMargins(6, 4, 6, 4);
    budgetLayout->addWidget(budget_);
    budgetBox_->setVisible(false);

    auto* bottom = new QHBoxLayout;
    bottom->addWidget(bulk_);
    bottom->addSpacing(16);
    bottom->addWidget(new SizeEstimateLabel(document_, this), 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(makeToolRow());
    layout->addWidget(table_, 1);
    layout->addWidget(rulesBox_);
    layout->addWidget(budgetBox_);
    layout->addLayout(bottom);

    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &PlanPanel::selectionUpdated);
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                emit currentLayerChanged(current.data(LayerTableModel::TensorNameRole).toString());
            });
    connect(bulk_, &BulkEditBar::applyRequested, this, [this](const LayerPatch& patch) {
        const auto names = selectedTensorNames();
        document_.patchLayers({names.begin(), names.end()}, patch);
    });
    connect(&model_, &QAbstractItemModel::modelReset, this, [this] {
        table_->resizeColumnsToContents();
        table_->setColumnWidth(LayerTableModel::Name, std::min(table_->columnWidth(LayerTableModel::Name), 360));
        table_->setColumnWidth(LayerTableModel::Status, std::max(table_->columnWidth(LayerTableModel::Status), 90));
        selectionUpdated();
    });
    connect(&model_, &LayerTableModel::outputColumnsChanged, this, &PlanPanel::showOutputColumns);
    showOutputColumns(model_.showsOutputErrors());
    // The planner's column only for a plan that carries its expectation (made for a budget).
    auto showPlannedColumn = [this] {
        const bool shown = document_.plan().expectation.has_value();
        if (shown == table_->isColumnHidden(LayerTableModel::PlannedError)) {
            table_->setColumnHidden(LayerTableModel::PlannedError, !shown);
            if (shown)
                table_->resizeColumnToContents(LayerTableModel::PlannedError);
        }
    };
    connect(&document_, &PlanDocument::planChanged, this, showPlannedColumn);
    connect(&document_, &PlanDocument::layersReset, this, showPlannedColumn);
    showPlannedColumn();
}

void PlanPanel::showOutputColumns(bool shown)
{
    for (const int column : {LayerTableModel::QloraOutputError, LayerTableModel::LoftqOutputError}) {
        table_->setColumnHidden(column, !shown);
        if (shown)
            table_->resizeColumnToContents(column);
    }
}

void PlanPanel::addCalibrationPanel(CalibrationPanel* panel)
{
    calibration_ = panel;
    calibrationBox_ = new QGroupBox(tr("Calibration: output-aware LoftQ"), this);
    auto* boxLayout = new QVBoxLayout(calibrationBox_);
    boxLayout->setContentsMargins(6, 4, 6, 4);
    boxLayout->addWidget(panel);
    calibrationBox_->setVisible(false);
    auto* column = static_cast<QVBoxLayout*>(layout());
    column->insertWidget(column->indexOf(budgetBox_) + 1, calibrationBox_);
    calibrationButton_ = makeToggle(QString(),
                                    tr("Show the calibration: fit each adapter to its layer's outputs on a text, "
                                       "and measure output errors"),
                                    calibrationBox_);
    toolRow_->addWidget(calibrationButton_);
    auto showState = [this] { calibrationButton_->setText(tr("Calibration (%1)").arg(calibration_->shortState())); };
    connect(panel, &CalibrationPanel::calibrationChanged, this, showState);
    // The budget control plans on output error whenever statistics are chosen (loftq plan --calib).
    budget_->setCalibrationSource([panel](QString* problem) { return panel->runCalibration(problem); });
    connect(panel, &CalibrationPanel::calibrationChanged, budget_, &BudgetPanel::checkCurves);
    showState();
}

QWidget* PlanPanel::makeToolRow()
{
    auto add = [this](const QString& text, const QString& tip, auto apply) {
        auto* a = new QAction(text, this);
        a->setToolTip(tip);
        connect(a, &QAction::triggered, this, apply);
        presetActions_ << a;
    };
    add(tr("All 4-bit"), tr("Every target at 4 bits"), [this] { document_.applyPreset("all:4"); });
    add(tr("All 2-bit"), tr("Every target at 2 bits"), [this] { document_.applyPreset("all:2"); });
    add(tr("Mixed: first K blocks 4-bit…"), tr("The LoftQ paper's mixed precision: 4 bits for blocks 0..K-1, 2 after"),
        &PlanPanel::applyMixedPreset);
    add(tr("Reset plan"), tr("Defaults again: no rules, no per-layer edits"), [this] { document_.resetPlan(); });

    auto* presets = new QToolButton(this);
    presets->setText(tr("Presets"));
    presets->setToolTip(tr("Presets replace every bits choice; ranks, steps and quantizers you set stay"));
    presets->setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(presets);
    menu->addActions(presetActions_);
    presets->setMenu(menu);

    rulesButton_ = makeToggle(QString(), tr("Show the rules: settings for every layer whose name matches a pattern"),
                              rulesBox_);
    budgetButton_ = makeToggle(tr("Budget"),
                               tr("Show the budget control: the bits per layer that fit a size with the least error"),
                               budgetBox_);
    auto showRuleCount = [this] { rulesButton_->setText(tr("Rules (%1)").arg(document_.plan().rules.size())); };
    connect(&document_, &PlanDocument::planChanged, this, showRuleCount);
    connect(&document_, &PlanDocument::layersReset, this, showRuleCount);
    showRuleCount();

    auto* row = new QWidget(this);
    toolRow_ = new QHBoxLayout(row);
    toolRow_->setContentsMargins(0, 0, 0, 0);
    toolRow_->addWidget(filter_, 1);
    toolRow_->addWidget(presets);
    toolRow_->addWidget(rulesButton_);
    toolRow_->addWidget(budgetButton_);
    return row;
}

QToolButton* PlanPanel::makeToggle(const QString& text, const QString& tip, QWidget* shown)
{
    auto* button = new QToolButton(this);
    button->setText(text);
    button->setCheckable(true);
    button->setToolTip(tip);
    connect(button, &QToolButton::toggled, shown, &QWidget::setVisible);
    return button;
}

void PlanPanel::applyFilter(const QString& text)
{
    const QRegularExpression re(text, QRegularExpression::CaseInsensitiveOption);
    filter_->setStyleSheet(re.isValid() ? QString() : QStringLiteral("color: #b00020"));
    if (re.isValid()) {
        proxy_->setFilterRegularExpression(re);
        rules_->setPattern(text);
    }
}

void PlanPanel::applyMixedPreset()
{
    const int blocks = std::max(1, document_.blockCount());
    bool ok = false;
    const int k = QInputDialog::getInt(this, tr("Mixed precision"),
                                       tr("Blocks 0..K-1 get 4 bits, the rest 2 bits. K (of %1 blocks):").arg(blocks),
                                       std::max(1, blocks / 2), 0, blocks, 1, &ok);
    if (ok)
        document_.applyPreset("mixed:" + std::to_string(k));
}

void PlanPanel::setRulesVisible(bool visible) { rulesButton_->setChecked(visible); }

void PlanPanel::setBudgetVisible(bool visible) { budgetButton_->setChecked(visible); }

void PlanPanel::setCalibrationVisible(bool visible)
{
    if (calibrationButton_)
        calibrationButton_->setChecked(visible);
}

void PlanPanel::setThreads(int threads)
{
    budget_->setThreads(threads);
    if (calibration_)
        calibration_->setThreads(threads);
}

std::set<std::string> PlanPanel::selectedTensorNames() const
{
    std::set<std::string> names;
    for (const auto& index : table_->selectionModel()->selectedRows())
        names.insert(index.data(LayerTableModel::TensorNameRole).toString().toStdString());
    return names;
}

void PlanPanel::selectLayers(const std::set<std::string>& tensorNames)
{
    QItemSelection selection;
    QModelIndex first;
    for (int row = 0; row < proxy_->rowCount(); ++row) {
        const QModelIndex index = proxy_->index(row, 0);
        if (!tensorNames.count(index.data(LayerTableModel::TensorNameRole).toString().toStdString()))
            continue;
        selection.select(index, proxy_->index(row, proxy_->columnCount() - 1));
        if (!first.isValid())
            first = index;
    }
    table_->selectionModel()->setCurrentIndex(first, QItemSelectionModel::NoUpdate);
    table_->selectionModel()->select(selection, QItemSelectionModel::ClearAndSelect);
    if (first.isValid())
        table_->scrollTo(first);
}

void PlanPanel::selectionUpdated()
{
    const auto names = selectedTensorNames();
    bulk_->setSelectionCount(int(names.size()));
    emit selectionChanged(names);
}

} // namespace loftq::ui
