#pragma once
// Computes the residual spectrum of one layer off the GUI thread. At most one computation runs; a
// newer request cancels it and waits its turn, so clicking through layers never piles up work.
#include "loftq/checkpoint.hpp"
#include "loftq/plan.hpp"
#include "loftq/spectrum.hpp"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>
#include <memory>
#include <optional>

namespace loftq::ui {

struct SpectrumRequest {
    std::shared_ptr<const Checkpoint> checkpoint;
    Plan plan;
    LayerDescriptor layer;
    int threads = 1;
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
    ~SpectrumController() override;

    void request(const SpectrumRequest& request);

signals:
    void computing(const QString& tensorName);
    void ready(const loftq::ResidualSpectrum& spectrum);
    void failed(const QString& tensorName, const QString& message);

private:
    void startNext();
    void deliver();

    std::atomic<bool> cancel_{false};
    QFutureWatcher<SpectrumOutcome> watcher_;
    std::optional<SpectrumRequest> pending_;
};

} // namespace loftq::ui
