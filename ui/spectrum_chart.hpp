#pragma once
// The selected layer's residual spectrum on a log scale: singular values of W - Q and of W, the
// adapter's rank cut-off, and the share of the residual's energy the adapter captures.
#include "chart_widget.hpp"
#include "loftq/spectrum.hpp"

#include <optional>

namespace loftq::ui {

class SpectrumChart : public ChartWidget {
    Q_OBJECT
public:
    explicit SpectrumChart(QWidget* parent = nullptr);

    void setSpectrum(const ResidualSpectrum& spectrum);
    // A line in place of the chart: "computing…", why there is no spectrum, or how to get one.
    void setMessage(const QString& message);
    const std::optional<ResidualSpectrum>& spectrum() const { return spectrum_; }

protected:
    void rebuild() override;

private:
    std::optional<ResidualSpectrum> spectrum_;
    QString message_;
};

} // namespace loftq::ui
