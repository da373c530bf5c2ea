#include "run_panel.hpp"
#include "display_text.hpp"
#include "run_results.hpp"
#include "loftq/report.hpp"

#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QSpinBox>
#include <QThread>
#include <QToolButton>

namespace loftq::ui {
namespace {

// With calibration statistics: the mean relative output errors, and the layers that kept the weight objective.
QString outputSummary(const RunReport& report)
{
    double qlora = 0, loftq = 0;
    int measured = 0, fellBack = 0;
    for (const auto& l : report.layers) {
        if (l.status != LayerStatus::Quantized || l.objective.empty())
            continue;
        if (!l.outputRelError) {
            ++fellBack;
            continue;
        }
        qlora += *l.qloraOutputRelError;
        loftq += *l.outputRelError;
        ++measured;
    }
    QString text;
    if (measured > 0)
        text += RunPanel::tr(" · mean output error %1 → %2").arg(qlora / measured, 0, 'f', 4).arg(loftq / measured, 0, 'f', 4);
    if (fellBack > 0)
        text += RunPanel::tr(" · %n layer(s) kept the weight objective (see Status)", "", fellBack);
    return text;
}

QToolButton* actionButton(QAction* action, QWidget* parent)
{
    auto* b = new QToolButton(parent);
    b->setDefaultAction(action);
    b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    return b;
}

} // namespace

RunPanel::RunPanel(const RunResults& results, QAction* run, QAction* cancel, QWidget* parent)
    : QWidget(parent), results_(results), bar_(new QProgressBar(this)), status_(new QLabel(this)),
      threads_(new QSpinBox(this))
{
    bar_->setRange(0, 1000);
    bar_->setValue(0);
    bar_->setFormat(QStringLiteral("%p%"));
    bar_->setMinimumWidth(220);
    threads_->setRange(1, std::max(1, QThread::idealThreadCount()) * 2);
    threads_->setToolTip(tr("Threads for runs and spectra"));
    threads_->setPrefix(tr("threads: "));
    connect(threads_, &QSpinBox::valueChanged, this, &RunPanel::threadsChanged);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setText(tr("Ready. Run measures every layer's error without writing files; Export writes them."));

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(6, 2, 6, 2);
    layout->addWidget(actionButton(run, this));
    layout->addWidget(actionButton(cancel, this));
    layout->addWidget(threads_);
    layout->addWidget(bar_, 1);
    layout->addWidget(status_, 2);
    connect(&results_, &RunResults::progressChanged, this, &RunPanel::showProgress);
}

int RunPanel::threads() const { return threads_->value(); }
void RunPanel::setThreads(int threads) { threads_->setValue(threads); }

void RunPanel::showProgress()
{
    const auto& p = results_.progress();
    if (!p.running)
        return;
    bar_->setValue(int(p.fractionDone * 1000));
    QString text = tr("Layer %1 of %2").arg(std::min(p.layersDone + 1, p.layerCount)).arg(p.layerCount);
    if (!p.currentLayer.isEmpty())
        text += QStringLiteral(" · ") + p.currentLayer;
    text += tr(" · elapsed %1").arg(durationText(p.elapsedSeconds));
    text += p.etaSeconds >= 0 ? tr(" · ETA %1").arg(durationText(p.etaSeconds)) : tr(" · ETA …");
    status_->setText(text);
}

void RunPanel::showFinished(const RunReport& report, const std::optional<PlannedVsMeasured>& planned)
{
    bar_->setValue(1000);
    double qlora = 0, loftq = 0;
    int quantized = 0;
    for (const auto& l : report.layers)
        if (l.status == LayerStatus::Quantized) {
            qlora += l.qloraRelError;
            loftq += l.relError;
            ++quantized;
        }
    QString text = tr("Done: %1 layers in %2 s").arg(quantized).arg(report.seconds, 0, 'f', 1);
    if (quantized > 0 && qlora > 0)
        text += tr(" · mean error %1 (QLoRA) → %2 (LoftQ), %3% lower")
                    .arg(qlora / quantized, 0, 'f', 4)
                    .arg(loftq / quantized, 0, 'f', 4)
                    .arg(100.0 * (1.0 - loftq / qlora), 0, 'f', 1);
    text += outputSummary(report);
    if (planned)
        text += QStringLiteral("\n") + plannedVsMeasuredText(*planned);
    status_->setText(text);
}

void RunPanel::showStopped(const QString& why)
{
    bar_->setValue(0);
    status_->setText(why);
}

} // namespace loftq::ui
