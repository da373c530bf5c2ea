#pragma once
// Computes the residual spectrum of one layer off the GUI thread, newest request first
// (NewestRequestRunner): a newer request cancels the computation and waits its turn.
#include "loftq/checkpoint.hpp"
#include "loftq/plan.hpp"
#include "loftq/spectrum.hpp"
#include "newest_request_runner.hpp"

#include <QObject>
#include <QString>
#include <memory>
#include <optional>

namespace loftq::ui {

struct SpectrumRequest {
    std::shared_ptr<const Checkpoint> checkpoint;
    Plan plan;
    LayerDescriptor layer;
    int threads = 1;
    ScaleArithmetic nfArithmetic = ScaleArithmetic::Divide; // as the export formats chosen require
};

struct SpectrumOutcome {
    QString tensorName;
    std::optional<ResidualSpectrum> spectrum;
    QString error;     // empty when spectrum is set or the request was cancelled
};

class SpectrumController : public QObject {
    Q_OBJECT
public:
    explicit SpectrumController(QObject* parent = nullptr);

    void request(const SpectrumRequest& request);

signals:
    void computing(const QString& tensorName);
    void ready(const loftq::ResidualSpectrum& spectrum);
    void failed(const QString& tensorName, const QString& message);

private:
    void deliver(const SpectrumOutcome& outcome);

    NewestRequestRunner<SpectrumRequest, SpectrumOutcome> runner_;
};

} // namespace loftq::ui
