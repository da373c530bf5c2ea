#include "budget_text.hpp"
#include "display_text.hpp"
#include "plan_choices.hpp"

#include <QObject>
#include <QRegularExpression>

namespace loftq::ui {

std::optional<Budget> parseBudgetText(const QString& text)
{
    bool plainNumber = false;
    const double bits = text.trimmed().toDouble(&plainNumber);
    if (plainNumber)
        return bits > 0 ? std::optional(Budget{Budget::Kind::AverageBits, bits}) : std::nullopt;
    return Budget::parse(text.toStdString());
}

std::optional<std::vector<int>> parseRankList(const QString& text)
{
    std::vector<int> ranks;
    for (const auto& part : text.split(QRegularExpression(QStringLiteral("[,\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const int rank = part.toInt(&ok);
        if (!ok || rank < 1 || rank > kMaxRank)
            return std::nullopt;
        ranks.push_back(rank);
    }
    return ranks;
}

QString errorText(double totalRelError) { return QString::number(totalRelError, 'f', 4); }

QString solutionText(const BudgetSolution& s)
{
    if (!s.error.isEmpty())
        return QObject::tr("<span style='color:#b00020'>%1</span>").arg(s.error.toHtmlEscaped());
    QString text = QObject::tr("<b>Planned: %1 bits</b> per weight on average, %2 for the quantized layers "
                               "(the budget allows %3), expected total relative error <b>%4</b>.")
                       .arg(s.summary.averageBits, 0, 'f', 2)
                       .arg(humanBytes(s.summary.bytes), humanBytes(s.capacity), errorText(s.summary.totalRelError));
    if (s.paperPreset)
        text += QObject::tr("<br>The paper's mixed:%1 (4 bits for the first %1 blocks, 2 after) within this budget: "
                            "%2 bits, %3, error %4.")
                    .arg(s.paperPreset->blocks)
                    .arg(s.paperPreset->summary.averageBits, 0, 'f', 2)
                    .arg(humanBytes(s.paperPreset->summary.bytes), errorText(s.paperPreset->summary.totalRelError));
    else
        text += QObject::tr("<br>The paper's mixed:K cannot be compared: none fits this budget, or 2 and 4 bits at "
                            "the planned ranks are not among the allowed settings.");
    return text;
}

} // namespace loftq::ui
