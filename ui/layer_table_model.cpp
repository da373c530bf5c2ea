#include "layer_table_model.hpp"
#include "display_text.hpp"
#include "plan_choices.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"

#include <QColor>
#include <QFont>
#include <QLocale>
#include <QPalette>

namespace loftq::ui {
namespace {

std::optional<int> positiveInt(const QVariant& value)
{
    bool ok = false;
    const int v = value.toString().trimmed().toInt(&ok);
    return ok && v >= 1 ? std::optional<int>(v) : std::nullopt;
}

// Whether a per-layer override sets this column's field (shown in bold).
bool isOverridden(const LayerPatch& patch, int column)
{
    switch (column) {
    case LayerTableModel::Bits:
        return patch.bits.has_value() || patch.keep.has_value();
    case LayerTableModel::Rank:
        return patch.rank.has_value();
    case LayerTableModel::Quantizer:
        return patch.method.has_value();
    case LayerTableModel::Steps:
        return patch.steps.has_value();
    default:
        return false;
    }
}

// Warns that a layer kept the weight objective although the run had statistics.
const QColor kFallbackColor{178, 84, 0};

QString relErrorText(double value) { return QString::number(value, 'f', 5); }

} // namespace

std::optional<LayerPatch> patchForCell(int column, const QVariant& value)
{
    LayerPatch patch;
    const QString text = value.toString().trimmed().toLower();
    switch (column) {
    case LayerTableModel::Bits:
        if (text == "keep") {
            patch.keep = true;
            return patch;
        }
        if (const auto bits = positiveInt(value)) {
            patch.bits = *bits;
            patch.keep = false;
            return patch;
        }
        return std::nullopt;
    case LayerTableModel::Rank:
        if (const auto rank = positiveInt(value)) {
            patch.rank = *rank;
            return patch;
        }
        return std::nullopt;
    case LayerTableModel::Steps:
        if (const auto steps = positiveInt(value)) {
            patch.steps = *steps;
            return patch;
        }
        return std::nullopt;
    case LayerTableModel::Quantizer:
        if (const auto method = parseQuantMethod(text.toStdString())) {
            patch.method = *method;
            return patch;
        }
        return std::nullopt;
    default:
        return std::nullopt;
    }
}

LayerTableModel::LayerTableModel(PlanDocument& document, const RunResults& results, QObject* parent)
    : QAbstractTableModel(parent), document_(document), results_(results)
{
    connect(&document_, &PlanDocument::layersAboutToReset, this, &LayerTableModel::beginResetModel);
    connect(&document_, &PlanDocument::layersReset, this, &LayerTableModel::endResetModel);
    connect(&document_, &PlanDocument::planChanged, this, [this] {
        if (rowCount() > 0)
            emit dataChanged(index(0, Bits), index(rowCount() - 1, PlannedError));
    });
    connect(&results_, &RunResults::layerChanged, this, &LayerTableModel::layerResultChanged);
    connect(&results_, &RunResults::cleared, this, &LayerTableModel::resultsCleared);
}

bool LayerTableModel::showsOutputErrors() const { return outputShown_; }

void LayerTableModel::resultsCleared()
{
    if (rowCount() > 0)
        emit dataChanged(index(0, Status), index(rowCount() - 1, BestStep));
    if (results_.progress().measuresOutput != outputShown_) {
        outputShown_ = results_.progress().measuresOutput;
        emit outputColumnsChanged(outputShown_);
    }
}

int LayerTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(document_.layers().size());
}

int LayerTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant LayerTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row(), column = index.column();
    const auto& planned = document_.layers()[std::size_t(row)];
    switch (role) {
    case Qt::DisplayRole:
        return displayData(row, column);
    case Qt::EditRole:
        return isEditable(column) ? displayData(row, column) : QVariant();
    case SortRole:
        return sortData(row, column);
    case TensorNameRole:
        return QString::fromStdString(planned.layer.tensorName);
    case Qt::TextAlignmentRole:
        return column == Name || column == Role || column == Status || column == Quantizer || column == DType
                   ? QVariant(Qt::AlignLeft | Qt::AlignVCenter)
                   : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::FontRole: {
        const auto it = document_.plan().layers.find(planned.layer.tensorName);
        if (it == document_.plan().layers.end() || !isOverridden(it->second, column))
            return {};
        QFont bold;
        bold.setBold(true);
        return bold;
    }
    case Qt::ForegroundRole: {
        if (!planned.plan.quantize && column > Bits && column <= Steps) // settings a kept layer ignores
            return QPalette().brush(QPalette::Disabled, QPalette::Text);
        const auto* r = results_.find(planned.layer.tensorName);
        if ((column == Status || isOutputColumn(column)) && r && r->report && fellBackToWeight(*r->report))
            return kFallbackColor;
        return {};
    }
    case Qt::ToolTipRole:
        if (column == Name)
            return QString::fromStdString(planned.layer.tensorName);
        if (column == Status || isOutputColumn(column))
            if (const auto* r = results_.find(planned.layer.tensorName); r && r->report && !r->report->note.empty())
                return QString::fromStdString(r->report->note);
        if (isEditable(column))
            return tr("Double-click to edit; bold values are set for this layer alone");
        return {};
    default:
        return {};
    }
}

QVariant LayerTableModel::displayData(int row, int column) const
{
    const auto& planned = document_.layers()[std::size_t(row)];
    const auto& layer = planned.layer;
    const auto& plan = planned.plan;
    const auto* result = results_.find(layer.tensorName);
    const auto* report = result && result->report && result->report->status == LayerStatus::Quantized
                             ? &*result->report
                             : nullptr;
    switch (column) {
    case Name:
        return QString::fromStdString(layer.tensorName);
    case Block:
        return layer.place.block < 0 ? QVariant(QStringLiteral("-")) : QVariant(layer.place.block);
    case Role:
        return QString::fromStdString(layer.role);
    case Shape:
        return shapeText(layer);
    case DType:
        return QString::fromUtf8(dtypeName(layer.dtype).data(), qsizetype(dtypeName(layer.dtype).size()));
    case Parameters:
        return QLocale().toString(qulonglong(layer.elements()));
    case Bits:
        return bitsText(plan);
    case Rank:
        return plan.rank;
    case Quantizer:
        return QString::fromUtf8(quantMethodName(plan.method).data(), qsizetype(quantMethodName(plan.method).size()));
    case Steps:
        return plan.steps;
    case Size:
        return humanBytes(document_.layerSize(row).total());
    case PlannedError:
        if (const auto e = plannedError(row))
            return relErrorText(*e);
        return QString();
    case Status:
        return result ? stateText(*result) : QString();
    case QloraError:
        return report ? relErrorText(report->qloraRelError) : QString();
    case LoftqError:
        return report ? relErrorText(report->relError) : QString();
    case QloraOutputError:
        if (report && report->qloraOutputRelError)
            return relErrorText(*report->qloraOutputRelError);
        return report && !report->objective.empty() ? QStringLiteral("-") : QString(); // a fallback: none measured
    case LoftqOutputError:
        if (report && report->outputRelError)
            return relErrorText(*report->outputRelError);
        return report && !report->objective.empty() ? QStringLiteral("-") : QString();
    case BestStep:
        return report ? QVariant(report->bestStep) : QVariant(QString());
    default:
        return {};
    }
}

std::optional<double> LayerTableModel::plannedError(int row) const
{
    const auto& expectation = document_.plan().expectation;
    if (!expectation)
        return std::nullopt;
    const auto& planned = document_.layers()[std::size_t(row)];
    const auto it = expectation->layers.find(planned.layer.tensorName);
    if (it == expectation->layers.end() || !it->second.describes(planned.plan))
        return std::nullopt;
    return it->second.relError;
}

QVariant LayerTableModel::sortData(int row, int column) const
{
    const auto& planned = document_.layers()[std::size_t(row)];
    const auto* result = results_.find(planned.layer.tensorName);
    const auto* report = result && result->report ? &*result->report : nullptr;
    switch (column) {
    case Block:
        return planned.layer.place.block;
    case Shape:
    case Parameters:
        return qulonglong(planned.layer.elements());
    case Bits:
        return planned.plan.quantize ? planned.plan.bits : 64;
    case Size:
        return qulonglong(document_.layerSize(row).total());
    case PlannedError:
        return plannedError(row).value_or(-1.0);
    case QloraError:
        return report ? report->qloraRelError : -1.0;
    case LoftqError:
        return report ? report->relError : -1.0;
    case QloraOutputError:
        return report && report->qloraOutputRelError ? *report->qloraOutputRelError : -1.0;
    case LoftqOutputError:
        return report && report->outputRelError ? *report->outputRelError : -1.0;
    case BestStep:
        return report ? report->bestStep : -1;
    default:
        return displayData(row, column);
    }
}

QVariant LayerTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || section < 0 || section >= ColumnCount)
        return QAbstractTableModel::headerData(section, orientation, role);
    static const char* const titles[ColumnCount] = {
        QT_TR_NOOP("Layer"), QT_TR_NOOP("Block"), QT_TR_NOOP("Role"), QT_TR_NOOP("Shape"), QT_TR_NOOP("DType"),
        QT_TR_NOOP("Params"), QT_TR_NOOP("Bits"), QT_TR_NOOP("Rank"), QT_TR_NOOP("Quantizer"), QT_TR_NOOP("Steps"),
        QT_TR_NOOP("Est. size"), QT_TR_NOOP("Planned err"), QT_TR_NOOP("Status"), QT_TR_NOOP("QLoRA err"), QT_TR_NOOP("LoftQ err"),
        QT_TR_NOOP("QLoRA out err"), QT_TR_NOOP("LoftQ out err"), QT_TR_NOOP("Best")};
    if (role == Qt::DisplayRole)
        return tr(titles[section]);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Bits:
            return tr("Backbone bits: %1 (keep: copied unquantized, no adapter)").arg(bitsChoices().join(", "));
        case Rank:
            return tr("LoRA adapter rank");
        case Steps:
            return tr("Alternating LoftQ steps (the best one is kept)");
        case Size:
            return tr("Codes at the layer's bits, one float32 scale per block, plus the adapter");
        case PlannedError:
            return tr("What the budget planner expected of the layer's setting: its weight error, or its relative "
                      "output error when planned on calibration statistics, measured with the planner's steps (one "
                      "by default, so a run's LoftQ err or LoftQ out err is usually lower). Empty when the setting "
                      "changed after planning");
        case QloraError:
            return tr("||W - quant(W)|| / ||W||: the error with a zero adapter");
        case LoftqError:
            return tr("||W - Q - BA|| / ||W|| of the best step, measured on the exported tensors");
        case QloraOutputError:
            return tr("sqrt(tr(E H Eᵀ) / tr(W H Wᵀ)), E = W - quant(W), H = XᵀX of the layer's calibration inputs: "
                      "the share of its output the zero adapter gets wrong. '-': the layer kept the weight objective "
                      "(its Status tooltip says why)");
        case LoftqOutputError:
            return tr("The same for E = W - Q - BA on the exported tensors: the relative output error of the result");
        case BestStep:
            return tr("The step whose result is kept (by output error when the objective is output)");
        default:
            return {};
        }
    }
    return {};
}

Qt::ItemFlags LayerTableModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags f = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (isEditable(index.column()))
        f |= Qt::ItemIsEditable;
    return f;
}

bool LayerTableModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid) || !isEditable(index.column()))
        return false;
    const auto patch = patchForCell(index.column(), value);
    if (!patch)
        return false;
    const auto& name = document_.layers()[std::size_t(index.row())].layer.tensorName;
    return document_.patchLayers({name}, *patch); // planChanged reports the changed cells
}

void LayerTableModel::layerResultChanged(const QString& tensorName)
{
    const int row = document_.rowOf(tensorName.toStdString());
    if (row >= 0)
        emit dataChanged(index(row, Status), index(row, BestStep));
}

} // namespace loftq::ui
