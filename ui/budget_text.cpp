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

QString errorKindTip(bool outputError)
{
    const QString measured = QObject::tr(", from one-step measurements (a full run lands a little lower, alike for every plan)");
    return outputError ? QObject::tr("Expected total relative output error: sqrt(sum e² ||W||² / sum ||W||²) over the "
                                     "quantized layers, e = sqrt(tr(E H Eᵀ) / tr(W H Wᵀ)) each layer's relative output "
                                     "error on the calibration statistics, with output-aware LoftQ, as loftq plan "
                                     "--calib measures it") + measured
                       : QObject::tr("Expected total relative weight error: sqrt(sum ||W - Q - BA||² / sum ||W||²) over "
                                     "the quantized layers") + measured;
}

QString solutionText(const BudgetSolution& s)
{
    if (!s.error.isEmpty())
        return QObject::tr("<span style='color:#b00020'>%1</span>").arg(s.error.toHtmlEscaped());
    const QString kind = s.outputError ? QObject::tr("output") : QObject::tr("weight");
    QString text = QObject::tr("<b>Planned: %1 bits</b> per weight on average, %2 for the quantized layers "
                               "(the budget allows %3), expected total relative <b>%4 error %5</b>.")
                       .arg(s.summary.averageBits, 0, 'f', 2)
                       .arg(humanBytes(s.summary.bytes), humanBytes(s.capacity), kind,
                            errorText(s.summary.totalRelError));
    if (s.paperPreset)
        text += QObject::tr("<br>The paper's mixed:%1 (4 bits for the first %1 blocks, 2 after) within this budget: "
                            "%2 bits, %3, %4 error %5.")
                    .arg(s.paperPreset->blocks)
                    .arg(s.paperPreset->summary.averageBits, 0, 'f', 2)
                    .arg(humanBytes(s.paperPreset->summary.bytes), kind,
                         errorText(s.paperPreset->summary.totalRelError));
    else
        text += QObject::tr("<br>The paper's mixed:K cannot be compared: none fits this budget, or 2 and 4 bits at "
                            "the planned ranks are not among the allowed settings.");
    return text;
}

} // namespace loftq::ui
