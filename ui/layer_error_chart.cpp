#include "layer_error_chart.hpp"
#include "chart_style.hpp"
#include "display_text.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"

#include <qcustomplot.h>

namespace loftq::ui {
namespace {

constexpr double kBarWidth = 0.38;
constexpr int kLabelSpacingPx = 14; // rotated 8-point labels closer than this overlap

QCPBars* addBars(QCustomPlot* p, const QString& name, const QColor& color)
{
    auto* bars = new QCPBars(p->xAxis, p->yAxis);
    bars->setName(name);
    bars->setWidth(kBarWidth);
    bars->setPen(Qt::NoPen);
    bars->setBrush(color);
    return bars;
}

} // namespace

LayerErrorChart::LayerErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent)
    : RunChart(tr("QLoRA vs LoftQ error per layer"), document, results, parent)
{
    addMetricBox();
    auto* p = plot();
    p->xAxis->setTickLabelRotation(60);
    p->xAxis->setTickLabelFont(QFont(font().family(), 8));
    p->legend->setVisible(true);
    p->legend->setFont(QFont(font().family(), 8));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    p->xAxis->grid()->setVisible(false);
}

void LayerErrorChart::rebuild()
{
    const bool output = updateMetricBox();
    setTitle(output ? tr("QLoRA vs LoftQ output error per layer") : tr("QLoRA vs LoftQ error per layer"));
    auto* p = plot();
    p->yAxis->setLabel(output ? tr("relative output error") : tr("relative error"));
    p->clearPlottables();
    p->clearItems();
    auto* qlora = addBars(p, tr("QLoRA (no adapter)"), kQloraColor);
    auto* loftq = addBars(p, tr("LoftQ best"), kLoftqColor);
    auto* selected = addBars(p, tr("LoftQ best, selected"), kHighlightColor);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    double hi = 0;
    int position = 0;
    bool anySelected = false;
    // Every layer gets a label while they fit; on big models every stride-th does.
    const int count = int(document().layers().size());
    const int stride = std::max(1, (count * kLabelSpacingPx + p->axisRect()->width() - 1) / std::max(1, p->axisRect()->width()));
    for (const auto& planned : document().layers()) {
        ++position;
        if ((position - 1) % stride == 0)
            ticker->addTick(position, shortLayerLabel(planned.layer));
        const auto* result = results().find(planned.layer.tensorName);
        if (!result || !result->report || result->report->status != LayerStatus::Quantized)
            continue;
        const auto& r = *result->report;
        if (output && !r.outputRelError) // it kept the weight objective: a gap, as for kept layers
            continue;
        const double before = output ? *r.qloraOutputRelError : r.qloraRelError;
        const double after = output ? *r.outputRelError : r.relError;
        qlora->addData(position - kBarWidth / 2, before);
        const bool isSelected = isHighlighted(planned.layer.tensorName);
        (isSelected ? selected : loftq)->addData(position + kBarWidth / 2, after);
        anySelected = anySelected || isSelected;
        hi = std::max({hi, before, after});
    }
    if (!anySelected)
        selected->removeFromLegend();
    p->legend->setVisible(qlora->dataCount() > 0);
    if (qlora->dataCount() == 0)
        showPlaceholder(tr("Press Run (Ctrl+R): each layer's QLoRA and LoftQ errors appear here in model order."));
    p->xAxis->setTicker(ticker);
    p->xAxis->setRange(0.3, std::max(position, 1) + 0.7);
    p->yAxis->setRange(0, hi > 0 ? hi * 1.18 : 1.0); // headroom for the legend
}

} // namespace loftq::ui
