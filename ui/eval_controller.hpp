#pragma once
// Runs one evaluation at a time off the GUI thread, as BudgetMeasurer measures: QtConcurrent with
// a QPromise for progress, a QFutureWatcher to deliver the outcome by value, cancel as an atomic
// the engine polls, and cancel-and-wait in the destructor (closing the window joins it).
#include "eval_job.hpp"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <atomic>

namespace loftq::ui {

class EvalController : public QObject {
    Q_OBJECT
public:
    static constexpr int kProgressSteps = 1000;

    explicit EvalController(QObject* parent = nullptr);
    ~EvalController() override;

    bool isEvaluating() const { return evaluating_; }
    // Ignored while an evaluation runs (the panel disables starting then).
    void start(const EvalRequest& request);
    void cancel();
    // The request of the evaluation running or last delivered.
    const EvalRequest& request() const { return request_; }
    // The running (or last) evaluation's future: tests check the destructor joined it.
    QFuture<EvalOutcome> future() const { return watcher_.future(); }

signals:
    void progress(double fraction, const QString& what);
    void finished(const loftq::ui::EvalOutcome& outcome);
    void failed(const QString& message);
    void cancelled();
    // After finished, failed or cancelled.
    void stopped();

private:
    void deliver();

    std::atomic<bool> cancel_{false};
    QFutureWatcher<EvalOutcome> watcher_;
    EvalRequest request_;
    bool evaluating_ = false; // from start() until its outcome is delivered
};

} // namespace loftq::ui
