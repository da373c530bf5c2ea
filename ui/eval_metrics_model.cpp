#include "eval_metrics_model.hpp"

namespace loftq::ui {
namespace {

struct RowText {
    const char* name;
    const char* tip;
    int decimals;
};

// One row of the table per figure, in Row's order.
constexpr RowText kRows[EvalMetricsModel::RowCount] = {
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "NLL (nats/token)"),
     QT_TRANSLATE_NOOP("EvalMetricsModel", "Mean of −log p(next token) over every prediction"), 4},
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "Perplexity"), QT_TRANSLATE_NOOP("EvalMetricsModel", "exp(NLL)"), 3},
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "Bits per byte"),
     QT_TRANSLATE_NOOP("EvalMetricsModel", "NLL × tokens / bytes of text / ln 2"), 4},
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "Mean KL (nats)"),
     QT_TRANSLATE_NOOP("EvalMetricsModel", "Mean over predictions of KL(original ‖ model)"), 5},
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "p99 KL (nats)"),
     QT_TRANSLATE_NOOP("EvalMetricsModel", "99th percentile of the per-prediction KL"), 4},
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "Top-1 agreement"),
     QT_TRANSLATE_NOOP("EvalMetricsModel", "Share of predictions where the model's most likely token is the original's"), 2},
    {QT_TRANSLATE_NOOP("EvalMetricsModel", "ΔNLL (nats/token)"),
     QT_TRANSLATE_NOOP("EvalMetricsModel", "The model's NLL minus the original's"), 5},
};

} // namespace

EvalMetricsModel::EvalMetricsModel(QObject* parent) : QAbstractTableModel(parent) {}

void EvalMetricsModel::setOutcome(const EvalOutcome& outcome)
{
    beginResetModel();
    for (int c = 0; c < ColumnCount; ++c) {
        metrics_[c].reset();
        comparison_[c].reset();
    }
    if (outcome.original)
        metrics_[Original] = outcome.original->metrics;
    else if (outcome.full && outcome.full->originalMetrics)
        metrics_[Original] = *outcome.full->originalMetrics;
    for (const auto& [column, result] : {std::pair{QloraInit, &outcome.backbone}, std::pair{Loftq, &outcome.full}})
        if (*result) {
            metrics_[column] = (*result)->metrics;
            comparison_[column] = (*result)->comparison;
        }
    endResetModel();
}

void EvalMetricsModel::clear() { setOutcome({}); }

int EvalMetricsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : RowCount; }
int EvalMetricsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

std::optional<double> EvalMetricsModel::value(int row, int column) const
{
    const auto& m = metrics_[column];
    const auto& c = comparison_[column];
    switch (Row(row)) {
    case Nll: return m ? std::optional(m->nll) : std::nullopt;
    case Perplexity: return m ? std::optional(m->perplexity) : std::nullopt;
    case BitsPerByte: return m && m->bitsPerByte >= 0 ? std::optional(m->bitsPerByte) : std::nullopt;
    case MeanKl: return c ? std::optional(c->meanKl) : std::nullopt;
    case P99Kl: return c ? std::optional(c->p99Kl) : std::nullopt;
    case Top1Agreement: return c ? std::optional(c->top1Agreement) : std::nullopt;
    case DeltaNll: return c ? std::optional(c->deltaNll) : std::nullopt;
    case RowCount: break;
    }
    return std::nullopt;
}

QVariant EvalMetricsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= RowCount || index.column() >= ColumnCount)
        return {};
    const auto v = value(index.row(), index.column());
    switch (role) {
    case Qt::DisplayRole:
        if (!v)
            return metrics_[index.column()] ? QStringLiteral("—") : QString();
        if (index.row() == Top1Agreement)
            return QStringLiteral("%1 %").arg(*v * 100, 0, 'f', kRows[index.row()].decimals);
        return QString::number(*v, 'f', kRows[index.row()].decimals);
    case Qt::UserRole:
        return v ? QVariant(*v) : QVariant();
    case Qt::TextAlignmentRole:
        return int(Qt::AlignRight | Qt::AlignVCenter);
    default:
        return {};
    }
}

QVariant EvalMetricsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation == Qt::Vertical) {
        if (section < 0 || section >= RowCount)
            return {};
        if (role == Qt::DisplayRole)
            return tr(kRows[section].name);
        if (role == Qt::ToolTipRole)
            return tr(kRows[section].tip);
        return {};
    }
    if (role == Qt::ToolTipRole && section == QloraInit)
        return tr("The export's backbone alone (the adapter at zero): what QLoRA starts from");
    if (role == Qt::ToolTipRole && section == Loftq)
        return tr("Backbone + LoftQ adapter: what the export initializes");
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(section)) {
    case Original: return tr("Original");
    case QloraInit: return tr("QLoRA init");
    case Loftq: return tr("LoftQ");
    case ColumnCount: break;
    }
    return {};
}

} // namespace loftq::ui
