#include "eval_kl_chart.hpp"
#include "chart_style.hpp"

#include <qcustomplot.h>

namespace loftq::ui {
namespace {

void addLine(QCustomPlot* p, const QString& name, const QColor& color, const std::vector<float>& kl)
{
    QVector<double> x(qsizetype(kl.size())), y(qsizetype(kl.size()));
    for (std::size_t i = 0; i < kl.size(); ++i) {
        x[qsizetype(i)] = double(i);
        y[qsizetype(i)] = kl[i];
    }
    auto* g = p->addGraph();
    g->setName(name);
    g->setPen(QPen(color, 1.0));
    g->setData(x, y, true);

}

} // namespace

EvalKlChart::EvalKlChart(QWidget* parent)
    : ChartWidget(tr("KL(original ‖ model) per prediction along the text"), parent)
{
    auto* p = plot();
    p->xAxis->setLabel(tr("prediction (window by window, in text order)"));
    p->yAxis->setLabel(tr("KL (nats)"));
    p->legend->setFont(QFont(font().family(), 8));
    p->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    setMessage(tr("Evaluate the run or an export: the KL of each prediction appears here."));
}

void EvalKlChart::setOutcome(const EvalOutcome& outcome)
{
    auto perPrediction = [](const std::optional<EvalResult>& r) {
        return r && r->comparison ? r->comparison->perPredictionKl : std::vector<float>{};
    };
    qlora_ = perPrediction(outcome.backbone);
    loftq_ = perPrediction(outcome.full);
    worstIndices_.clear();
    // perPredictionKl is indexed by window and position in it; a worst prediction names a token.
    if (outcome.full && outcome.full->context > 1) {
        const auto stride = std::size_t(outcome.full->context);
        for (const auto& w : outcome.full->worst)
            if (const auto i = (w.position / stride) * (stride - 1) + w.position % stride - 1;
                w.position % stride > 0 && i < loftq_.size())
                worstIndices_.push_back(i);
    }
    message_ = loftq_.empty() ? tr("The original alone has no KL to show: evaluate the run or an export.") : QString();
    requestRedraw();
}

void EvalKlChart::setMessage(const QString& message)
{
    qlora_.clear();
    loftq_.clear();
    worstIndices_.clear();
    message_ = message;
    requestRedraw();
}

void EvalKlChart::rebuild()
{
    auto* p = plot();
    p->clearGraphs();
    p->clearItems();
    p->legend->setVisible(!loftq_.empty());
    if (loftq_.empty()) {
        showPlaceholder(message_);
        return;
    }
    if (!qlora_.empty())
        addLine(p, tr("QLoRA init (backbone only)"), kQloraColor, qlora_);
    addLine(p, tr("LoftQ (backbone + adapter)"), kLoftqColor, loftq_);
    auto* worst = p->addGraph();
    worst->setName(tr("worst predictions"));
    worst->setLineStyle(QCPGraph::lsNone);
    worst->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(kHighlightColor, 1.5), Qt::NoBrush, 7));
    for (const auto i : worstIndices_)
        worst->addData(double(i), double(loftq_[i]));
    double top = 0;
    for (const auto* kl : {&qlora_, &loftq_})
        for (const float v : *kl)
            top = std::max(top, double(v));
    p->xAxis->setRange(0, double(std::max<std::size_t>(loftq_.size(), 2) - 1));
    p->yAxis->setRange(0, std::max(top, 1e-6) * 1.15); // headroom for the legend
}

} // namespace loftq::ui
