#include "spectrum_chart.hpp"
#include "chart_style.hpp"
#include "display_text.hpp"

#include <qcustomplot.h>

namespace loftq::ui {
namespace {

// Zero singular values have no place on a log axis; they are drawn at this fraction of the largest.
constexpr double kLogFloor = 1e-7;

void addSpectrum(QCustomPlot* p, const std::vector<float>& values, const QString& name, const QPen& pen,
                 double floor)
{
    QVector<double> x, y;
    for (std::size_t i = 0; i < values.size(); ++i) {
        x << double(i + 1);
        y << std::max(double(values[i]), floor);
    }
    auto* g = p->addGraph();
    g->setName(name);
    g->setPen(pen);
    g->setData(x, y, true);
}

} // namespace

SpectrumChart::SpectrumChart(QWidget* parent) : ChartWidget(tr("Residual spectrum"), parent)
{
    auto* p = plot();
    p->xAxis->setLabel(tr("singular value index"));
    p->yAxis->setLabel(tr("singular value (log scale)"));
    p->yAxis->setScaleType(QCPAxis::stLogarithmic);
    p->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    p->yAxis->setNumberFormat("eb");
    p->yAxis->setNumberPrecision(0);
    p->legend->setVisible(true);
    p->legend->setFont(QFont(font().family(), 8));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    setMessage(tr("Select a layer in the table to see its residual spectrum."));
}

void SpectrumChart::setSpectrum(const ResidualSpectrum& spectrum)
{
    spectrum_ = spectrum;
    message_.clear();
    requestRedraw();
}

void SpectrumChart::setMessage(const QString& message)
{
    spectrum_.reset();
    message_ = message;
    requestRedraw();
}

void SpectrumChart::rebuild()
{
    auto* p = plot();
    p->clearGraphs();
    p->clearItems();
    if (!spectrum_) {
        setTitle(tr("Residual spectrum"));
        p->legend->setVisible(false);
        showPlaceholder(message_);
        p->xAxis->setRange(0, 1);
        p->yAxis->setRange(1e-3, 1);
        return;
    }
    const auto& s = *spectrum_;
    const double top = s.weight.empty() ? 1.0 : std::max(double(s.weight.front()), 1e-30);
    const double floor = top * kLogFloor;
    addSpectrum(p, s.weight, tr("W (the weight)"), QPen(kWeightColor, 1.6, Qt::DashLine), floor);
    addSpectrum(p, s.residual, tr("W − Q (what quantization lost)"), QPen(kLoftqColor, 2.0), floor);
    p->legend->setVisible(true);

    const double share = 100.0 * s.capturedEnergy();
    auto* cut = new QCPItemStraightLine(p);
    cut->point1->setCoords(s.rank + 0.5, 1);
    cut->point2->setCoords(s.rank + 0.5, 2);
    cut->setPen(QPen(kHighlightColor, 1.6));
    auto* label = new QCPItemText(p);
    label->setPositionAlignment(Qt::AlignLeft | Qt::AlignBottom);
    label->position->setTypeX(QCPItemPosition::ptPlotCoords);
    label->position->setTypeY(QCPItemPosition::ptAxisRectRatio);
    label->position->setCoords(s.rank + 0.5, 0.97);
    label->setPadding(QMargins(6, 0, 0, 4));
    label->setColor(kHighlightColor);
    label->setText(tr(" rank %1: the adapter holds %2% of the residual's energy").arg(s.rank).arg(share, 0, 'f', 1));

    double lo = top;
    for (float v : s.residual)
        if (v > 0)
            lo = std::min(lo, double(v));
    p->xAxis->setRange(0, double(std::max(s.weight.size(), s.residual.size())) + 1);
    p->yAxis->setRange(std::max(lo, floor) * 0.5, top * 2.0);
    const QString bits = bitsText(s.plan);
    setTitle(tr("Residual spectrum: %1 (%2 %3-bit, rank %4, best step %5)")
                 .arg(QString::fromStdString(s.tensorName),
                      QString::fromUtf8(quantMethodName(s.plan.method).data(), qsizetype(quantMethodName(s.plan.method).size())),
                      bits)
                 .arg(s.rank)
                 .arg(s.bestStep));
}

} // namespace loftq::ui
