#include "eval_worst_model.hpp"

namespace loftq::ui {

QString visibleText(const std::string& text)
{
    QString s = QString::fromUtf8(text.data(), qsizetype(text.size()));
    s.replace(QLatin1Char('\n'), QStringLiteral("⏎")).replace(QLatin1Char('\r'), QString());
    s.replace(QLatin1Char('\t'), QStringLiteral("→"));
    return s;
}

EvalWorstModel::EvalWorstModel(QObject* parent) : QAbstractTableModel(parent) {}

void EvalWorstModel::setOutcome(const EvalOutcome& outcome)
{
    beginResetModel();
    const auto* main = outcome.main();
    worst_ = main ? main->worst : std::vector<WorstPrediction>{};
    text_ = outcome.worst;
    text_.resize(worst_.size());
    compared_ = main && !main->original.empty();
    endResetModel();
}

void EvalWorstModel::clear() { setOutcome({}); }

int EvalWorstModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(worst_.size()); }
int EvalWorstModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EvalWorstModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || std::size_t(index.row()) >= worst_.size() || index.column() >= ColumnCount)
        return {};
    const auto& w = worst_[std::size_t(index.row())];
    const auto& t = text_[std::size_t(index.row())];
    if (role == Qt::TextAlignmentRole)
        return int((index.column() <= Nll ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == Text)
        return QStringLiteral("%1[%2]%3").arg(QString::fromStdString(t.before), QString::fromStdString(t.token),
                                              QString::fromStdString(t.after)).toHtmlEscaped();
    if (role == Qt::UserRole) {
        switch (Column(index.column())) {
        case Position: return qulonglong(w.position);
        case Kl: return w.kl;
        case Nll: return w.nll;
        default: return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (Column(index.column())) {
    case Position: return qulonglong(w.position);
    case Kl: return compared_ ? QString::number(w.kl, 'f', 4) : QStringLiteral("—");
    case Nll: return QString::number(w.nll, 'f', 3);
    case Expected: return visibleText(t.token);
    case ModelTop1: return visibleText(t.modelTop1);
    case OriginalTop1: return compared_ ? visibleText(t.originalTop1) : QStringLiteral("—");
    case Text: return QStringLiteral("…%1 ⟦%2⟧ %3…").arg(visibleText(t.before), visibleText(t.token), visibleText(t.after));
    case ColumnCount: break;
    }
    return {};
}

QVariant EvalWorstModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (Column(section)) {
    case Position: return tr("Token #");
    case Kl: return tr("KL");
    case Nll: return tr("NLL");
    case Expected: return tr("Token");
    case ModelTop1: return tr("Model's guess");
    case OriginalTop1: return tr("Original's guess");
    case Text: return tr("Text around it");
    case ColumnCount: break;
    }
    return {};
}

} // namespace loftq::ui
