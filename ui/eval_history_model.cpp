#include "eval_history_model.hpp"
#include "display_text.hpp"

#include <QFileInfo>

namespace loftq::ui {
namespace {

QString subjectLabel(const EvalRequest& r)
{
    switch (r.subject) {
    case EvalSubject::Original: return EvalHistoryModel::tr("original");
    case EvalSubject::Run: return EvalHistoryModel::tr("run");
    case EvalSubject::Export: return QString::fromStdString(r.exportPath);
    }
    return {};
}

// "planned 0.1830 · measured 0.1710", or that the planner's figure does not compare with this run.
QString plannedText(const PlannedVsMeasured& p)
{
    if (!p.notCompared.empty())
        return EvalHistoryModel::tr("not compared");
    return EvalHistoryModel::tr("planned %1 · measured %2").arg(p.plannedTotal, 0, 'f', 4).arg(p.measuredTotal, 0, 'f', 4);
}

// The NLL shown: LoftQ's, or the original's when that was evaluated alone.
const EvalResult* nllSource(const EvalHistoryEntry& e) { return e.full ? &*e.full : e.original ? &*e.original : nullptr; }

} // namespace

EvalHistoryModel::EvalHistoryModel(QObject* parent) : QAbstractTableModel(parent) {}

void EvalHistoryModel::append(const EvalRequest& request, const EvalOutcome& outcome)
{
    const int row = int(entries_.size());
    beginInsertRows({}, row, row);
    entries_.push_back({QDateTime::currentDateTime(), subjectLabel(request), request.textFile, outcome.digest,
                        outcome.original, outcome.backbone, outcome.full});
    endInsertRows();
}

nlohmann::json EvalHistoryModel::toJson() const
{
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : entries_) {
        nlohmann::json j{{"finished", e.finished.toString(Qt::ISODate).toStdString()},
                         {"model", e.model.toStdString()},
                         {"text", e.textFile},
                         {"plan", e.digest.summary},
                         {"estimated_bytes", e.digest.estimatedBytes}};
        if (e.digest.meanWeightError)
            j["mean_rel_error"] = *e.digest.meanWeightError;
        if (!e.digest.objective.empty())
            j["objective"] = e.digest.objective;
        if (e.digest.meanOutputError)
            j["mean_output_rel_error"] = *e.digest.meanOutputError;
        if (!e.digest.calibration.empty())
            j["calibration"] = e.digest.calibration;
        if (e.digest.planned)
            j["planned"] = loftq::toJson(*e.digest.planned);
        for (const auto& [key, result] : {std::pair{"original", &e.original}, std::pair{"qlora_init", &e.backbone},
                                          std::pair{"loftq", &e.full}})
            if (*result)
                j[key] = loftq::toJson(**result);
        entries.push_back(std::move(j));
    }
    return {{"format", "loftq-eval-history"}, {"version", 1}, {"entries", std::move(entries)}};
}

int EvalHistoryModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(entries_.size()); }
int EvalHistoryModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

std::optional<double> EvalHistoryModel::value(const EvalHistoryEntry& e, int column) const
{
    auto compared = [](const std::optional<EvalResult>& r, auto field) -> std::optional<double> {
        return r && r->comparison ? std::optional(double((*r->comparison).*field)) : std::nullopt;
    };
    switch (Column(column)) {
    case Size: return e.digest.estimatedBytes ? std::optional(double(e.digest.estimatedBytes)) : std::nullopt;
    case WeightError: return e.digest.meanWeightError;
    case OutputError: return e.digest.meanOutputError;
    case KlQlora: return compared(e.backbone, &ComparisonMetrics::meanKl);
    case KlLoftq: return compared(e.full, &ComparisonMetrics::meanKl);
    case PlannedError:
        return e.digest.planned && e.digest.planned->notCompared.empty() ? std::optional(e.digest.planned->plannedTotal)
                                                                         : std::nullopt;
    case AgreementQlora: return compared(e.backbone, &ComparisonMetrics::top1Agreement);
    case AgreementLoftq: return compared(e.full, &ComparisonMetrics::top1Agreement);
    case Nll: return nllSource(e) ? std::optional(nllSource(e)->metrics.nll) : std::nullopt;
    default: return std::nullopt;
    }
}

QVariant EvalHistoryModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || std::size_t(index.row()) >= entries_.size() || index.column() >= ColumnCount)
        return {};
    const auto& e = entries_[std::size_t(index.row())];
    const auto v = value(e, index.column());
    if (role == Qt::UserRole)
        return v ? QVariant(*v) : QVariant();
    if (role == Qt::ToolTipRole && (index.column() == Objective || index.column() == OutputError) &&
        !e.digest.calibration.empty())
        return tr("Calibration statistics: %1").arg(QString::fromStdString(e.digest.calibration));
    if (role == Qt::ToolTipRole && index.column() == PlannedError && e.digest.planned)
        return plannedVsMeasuredText(*e.digest.planned);
    if (role == Qt::ToolTipRole && index.column() == Text && nllSource(e))
        return tr("%1 · %2 predictions in windows of %3 tokens")
            .arg(QString::fromStdString(e.textFile))
            .arg(nllSource(e)->predictions)
            .arg(nllSource(e)->context);
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Time: return e.finished.toString(QStringLiteral("HH:mm:ss"));
    case Model: return e.model;
    case Plan: return QString::fromStdString(e.digest.summary);
    case Objective: return e.digest.objective.empty() ? QStringLiteral("—") : QString::fromStdString(e.digest.objective);
    case Text: return QFileInfo(QString::fromStdString(e.textFile)).fileName();
    case PlannedError: return e.digest.planned ? plannedText(*e.digest.planned) : QStringLiteral("—");
    case Size: return v ? humanBytes(std::uint64_t(*v)) : QStringLiteral("—");
    case WeightError:
    case OutputError:
    case KlQlora:
    case KlLoftq:
    case Nll: return v ? QString::number(*v, 'f', 4) : QStringLiteral("—");
    case AgreementQlora:
    case AgreementLoftq: return v ? QStringLiteral("%1 %").arg(*v * 100, 0, 'f', 2) : QStringLiteral("—");
    case ColumnCount: break;
    }
    return {};
}

QVariant EvalHistoryModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Time: return tr("Time");
    case Model: return tr("Model");
    case Plan: return tr("Plan");
    case Objective: return tr("Objective");
    case Size: return tr("Size");
    case WeightError: return tr("Mean weight error");
    case OutputError: return tr("Mean output error");
    case KlQlora: return tr("KL QLoRA init");
    case KlLoftq: return tr("KL LoftQ");
    case PlannedError: return tr("Planner's total error");
    case AgreementQlora: return tr("Top-1 QLoRA init");
    case AgreementLoftq: return tr("Top-1 LoftQ");
    case Nll: return tr("NLL");
    case Text: return tr("Text");
    case ColumnCount: break;
    }
    return {};
}

} // namespace loftq::ui
