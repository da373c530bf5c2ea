#include "display_text.hpp"

#include <QLocale>
#include <QObject>

namespace loftq::ui {

QString humanBytes(std::uint64_t bytes)
{
    return QLocale::c().formattedDataSize(qint64(bytes), 1, QLocale::DataSizeIecFormat);
}

QString durationText(double seconds)
{
    const qint64 s = qint64(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QChar('0')).arg(s % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

QString bitsText(const LayerPlan& plan)
{
    return plan.quantize ? QString::number(plan.bits) : QStringLiteral("keep");
}

QString shapeText(const LayerDescriptor& layer)
{
    return QStringLiteral("%1 × %2").arg(layer.outFeatures).arg(layer.inFeatures);
}

QString shortLayerLabel(const LayerDescriptor& layer)
{
    const QString role = QString::fromStdString(layer.role);
    if (layer.place.block < 0)
        return role;
    const QString stack = layer.place.stack.empty() ? QString() : QString(QChar(layer.place.stack[0]).toUpper());
    return QStringLiteral("%1%2 %3").arg(stack).arg(layer.place.block).arg(role);
}

QString plannedVsMeasuredText(const PlannedVsMeasured& p)
{
    const QString kind = p.objective.output ? QObject::tr("relative output error")
                                            : QObject::tr("relative weight error");
    if (!p.notCompared.empty())
        return QObject::tr("The budget planner's expected %1 is not compared with this run: %2")
            .arg(kind, QString::fromStdString(p.notCompared));
    return QObject::tr("The budget planner expected a total %1 of %2, measured with %3 LoftQ step(s) per layer; "
                       "the run measured %4 with %5 step(s) on the exported tensors (%6 of %7 planned layers). "
                       "More steps usually lower the error.")
        .arg(kind)
        .arg(p.plannedTotal, 0, 'f', 4)
        .arg(p.measureStepsMax)
        .arg(p.measuredTotal, 0, 'f', 4)
        .arg(p.runStepsMax)
        .arg(p.comparedLayers)
        .arg(p.plannedLayers);
}

} // namespace loftq::ui
