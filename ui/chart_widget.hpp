#pragma once
// A titled QCustomPlot with what every chart of the workbench shares: redraws coalesced by a
// ~40 ms single-shot timer (at most ~25 a second however fast results arrive), and saving as PNG
// or PDF. Subclasses fill the plot in rebuild() from the data they watch.
#include <QString>
#include <QTimer>
#include <QWidget>

class QCustomPlot;
class QHBoxLayout;
class QLabel;

namespace loftq::ui {

class ChartWidget : public QWidget {
    Q_OBJECT
public:
    static constexpr int kRedrawIntervalMs = 40;

    explicit ChartWidget(const QString& title, QWidget* parent = nullptr);

    QCustomPlot* plot() const { return plot_; }
    QString title() const;
    // Writes the chart as PNG or PDF, chosen by the file's suffix. False when it could not be written.
    bool saveImage(const QString& path);
    // Asks the user for a file and saves there.
    void saveWithDialog();
    // Schedules one redraw; calls within the interval share it.
    void requestRedraw();
    int redrawCount() const { return redraws_; }

signals:
    void redrawn();

protected:
    void setTitle(const QString& title);
    // A control in the header row, between the title and Save….
    void addHeaderWidget(QWidget* widget);
    void resizeEvent(QResizeEvent* event) override; // layouts that depend on the size (label spacing) redo
    // A centred line of text in place of data ("press Run…"); call from rebuild() after clearing items.
    void showPlaceholder(const QString& text);
    // Rebuilds the plot's contents from the current data (the replot follows).
    virtual void rebuild() = 0;

    void showEvent(QShowEvent* event) override;

private:
    void redraw();
    void render();

    QLabel* title_;
    QHBoxLayout* header_;
    QCustomPlot* plot_;
    QTimer redrawTimer_;
    int redraws_ = 0;
    bool stale_ = false; // data changed while the chart was hidden
};

} // namespace loftq::ui
