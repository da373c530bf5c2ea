#include "chart_widget.hpp"

#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

namespace loftq::ui {
namespace {

// A chart saved before it was ever shown has no size of its own yet.
constexpr int kDefaultExportWidth = 1000;
constexpr int kDefaultExportHeight = 600;

} // namespace

ChartWidget::ChartWidget(const QString& title, QWidget* parent)
    : QWidget(parent), title_(new QLabel(title, this)), header_(new QHBoxLayout), plot_(new QCustomPlot(this))
{
    QFont titleFont = title_->font();
    titleFont.setBold(true);
    title_->setFont(titleFont);
    title_->setWordWrap(true);

    auto* save = new QToolButton(this);
    save->setText(tr("Save…"));
    save->setToolTip(tr("Save this chart as PNG or PDF"));
    save->setAutoRaise(true);
    connect(save, &QToolButton::clicked, this, &ChartWidget::saveWithDialog);

    header_->addWidget(title_, 1);
    header_->addWidget(save);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(header_);
    layout->addWidget(plot_, 1);

    plot_->setMinimumSize(320, 220);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);

    redrawTimer_.setSingleShot(true);
    redrawTimer_.setInterval(kRedrawIntervalMs);
    connect(&redrawTimer_, &QTimer::timeout, this, &ChartWidget::redraw);
}

QString ChartWidget::title() const { return title_->text(); }

void ChartWidget::setTitle(const QString& title) { title_->setText(title); }

void ChartWidget::addHeaderWidget(QWidget* widget) { header_->insertWidget(header_->count() - 1, widget); }

void ChartWidget::showPlaceholder(const QString& text)
{
    auto* item = new QCPItemText(plot_);
    item->setPositionAlignment(Qt::AlignCenter);
    item->position->setType(QCPItemPosition::ptAxisRectRatio);
    item->position->setCoords(0.5, 0.5);
    item->setColor(palette().color(QPalette::Disabled, QPalette::WindowText));
    item->setText(text);
}

void ChartWidget::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    requestRedraw();
}

void ChartWidget::requestRedraw()
{
    if (!redrawTimer_.isActive())
        redrawTimer_.start();
}

void ChartWidget::redraw()
{
    if (!isVisible()) { // a chart on a hidden tab catches up when it is shown
        stale_ = true;
        return;
    }
    render();
}

void ChartWidget::showEvent(QShowEvent* event)
{
    QWidget::showEvent(event);
    if (stale_)
        requestRedraw();
}

void ChartWidget::render()
{
    stale_ = false;
    rebuild();
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++redraws_;
    emit redrawn();
}

bool ChartWidget::saveImage(const QString& path)
{
    if (redrawTimer_.isActive() || stale_) { // save what the data says now, not the last frame
        redrawTimer_.stop();
        render();
    }
    const bool sized = plot_->width() >= 320 && plot_->height() >= 220;
    const int width = sized ? 0 : kDefaultExportWidth;
    const int height = sized ? 0 : kDefaultExportHeight;
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "pdf")
        return plot_->savePdf(path, width, height, QCP::epNoCosmetic, QStringLiteral("LoftQ Workbench"), title());
    if (suffix == "png")
        return plot_->savePng(path, width, height, 2.0);
    return false;
}

void ChartWidget::saveWithDialog()
{
    QString selectedFilter;
    QString path = QFileDialog::getSaveFileName(this, tr("Save chart"), title().section(':', 0, 0) + ".png",
                                                tr("PNG image (*.png);;PDF document (*.pdf)"), &selectedFilter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += selectedFilter.contains("pdf") ? ".pdf" : ".png";
    if (!saveImage(path)) {
        auto* box = new QMessageBox(QMessageBox::Warning, tr("Save chart"),
                                    tr("%1: could not be written (use a .png or .pdf name in a writable folder)").arg(path),
                                    QMessageBox::Ok, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        box->open();
    }
}

} // namespace loftq::ui
