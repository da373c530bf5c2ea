#include "step_error_chart.hpp"
#include "chart_style.hpp"
#include "display_text.hpp"
#include "plan_document.hpp"
#include "run_results.hpp"

#include <qcustomplot.h>
#include <cmath>
#include <set>
#include <vector>

namespace loftq::ui {
namespace {

// More names than this would bury the plot under its legend.
constexpr std::size_t kNamedInLegend = 6;
constexpr int kLegendColumns = 8;
constexpr double kLegendHeadroom = 1.6; // on the log axis: about a fifth of the plot above the lines

// Ticks at 1, 2 and 5 times the powers of ten inside [lo, hi], or at every digit when that gives
// fewer than three: a log axis with readable labels however narrow its range (QCustomPlot's log
// ticker labels only the powers of ten).
QSharedPointer<QCPAxisTickerText> logTicks(double lo, double hi)
{
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (const auto& mantissas : {std::vector<double>{1, 2, 5}, std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9}}) {
        ticker->clear();
        for (double decade = std::pow(10.0, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
            for (double m : mantissas)
                if (m * decade >= lo && m * decade <= hi)
                    ticker->addTick(m * decade, QString::number(m * decade, 'g', 3));
        if (ticker->ticks().size() >= 3)
            break;
    }
    return ticker;
}

QString titleFor(bool output)
{
    return output ? StepErrorChart::tr("Output error by alternating step: √(tr(E H Eᵀ) / tr(W H Wᵀ))")
                  : StepErrorChart::tr("Error by alternating step: ‖W − Q − BA‖ / ‖W‖");
}

} // namespace

StepErrorChart::StepErrorChart(const PlanDocument& document, const RunResults& results, QWidget* parent)
    : RunChart(titleFor(false), document, results, parent)
{
    addMetricBox();
    auto* p = plot();
    p->xAxis->setLabel(tr("alternating step"));
    // Log scale: 2-bit and 4-bit layers differ by 5x in error; each line's fall stays visible.
    p->yAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerFixed> integerTicks(new QCPAxisTickerFixed);
    integerTicks->setTickStep(1.0);
    integerTicks->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
    p->xAxis->setTicker(integerTicks);
    p->legend->setVisible(true);
    p->legend->setFont(QFont(font().family(), 8));
    // The legend runs across the top of the plot, above the lines (the y range leaves room for it).
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignHCenter);
    p->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    p->legend->setWrap(kLegendColumns);
    p->legend->setBrush(QColor(255, 255, 255, 220));
    p->legend->setBorderPen(Qt::NoPen);
}

void StepErrorChart::rebuild()
{
    const bool output = updateMetricBox();
    setTitle(titleFor(output));
    auto* p = plot();
    p->yAxis->setLabel(output ? tr("relative output error (log scale)") : tr("relative error (log scale)"));
    p->clearGraphs();
    p->clearItems();
    std::set<QString> rolesInLegend;
    int maxSteps = 1;
    double lo = INFINITY, hi = 0;
    // Highlighted lines last, so they are drawn on top.
    for (const bool drawHighlighted : {false, true}) {
        for (const auto& planned : document().layers()) {
            const auto& name = planned.layer.tensorName;
            const bool highlighted = isHighlighted(name);
            const auto* result = results().find(name);
            if (highlighted != drawHighlighted || !result)
                continue;
            // A layer that fell back to the weight objective has no output errors: no line.
            const auto& errors = output ? result->stepOutputErrors : result->stepErrors;
            if (errors.empty())
                continue;
            QVector<double> x, y;
            for (std::size_t i = 0; i < errors.size(); ++i) {
                x << double(i + 1);
                y << errors[i];
                lo = std::min(lo, errors[i]);
                hi = std::max(hi, errors[i]);
            }
            maxSteps = std::max(maxSteps, int(errors.size()));
            const QString role = QString::fromStdString(planned.layer.role);
            QColor color = roleColor(role);
            const bool faded = highlightedCount() > 0 && !highlighted;
            if (faded)
                color.setAlpha(90);
            auto* g = p->addGraph();
            g->setData(x, y, true);
            g->setPen(QPen(color, highlighted ? 3.0 : 1.4));
            if (highlighted) // markers on every line would cost more to draw than they tell
                g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, color, 6));
            // One legend entry per role, plus a few highlighted layers by name.
            const bool named = highlighted && highlightedCount() <= kNamedInLegend;
            g->setName(named ? QString::fromStdString(name) : role);
            if (!named && !rolesInLegend.insert(role).second)
                g->removeFromLegend();
            if (highlighted && result->report) {
                auto* best = new QCPItemTracer(p);
                best->setGraph(g);
                best->setGraphKey(result->report->bestStep);
                best->setStyle(QCPItemTracer::tsCircle);
                best->setSize(13);
                best->setPen(QPen(kHighlightColor, 2));
            }
        }
    }
    p->xAxis->setRange(0.8, maxSteps + 0.2);
    if (hi <= 0) {
        lo = 0.1;
        hi = 1.0 / kLegendHeadroom;
    }
    lo = std::max(lo, hi * 1e-6); // an exact zero has no place on a log axis
    p->yAxis->setRange(lo / 1.06, hi * kLegendHeadroom);
    p->yAxis->setTicker(logTicks(lo / 1.06, hi * kLegendHeadroom));
    p->legend->setVisible(p->graphCount() > 0);
    if (p->graphCount() == 0)
        showPlaceholder(tr("Press Run (Ctrl+R): each layer's error appears here as its steps finish."));
}

} // namespace loftq::ui
