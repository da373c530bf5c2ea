#pragma once
// Runs requests off the GUI thread one at a time, newest first: a request made while one runs waits,
// replacing any older waiting one, and asks the running one to stop early (work that polls the flag
// does); only the result of the newest request is delivered. Clicking through layers or typing a
// budget never piles up work or shows an outdated answer. Destroying the runner cancels and waits.
#include <QFutureWatcher>
#include <QObject>
#include <QtConcurrent/QtConcurrentRun>
#include <atomic>
#include <functional>
#include <optional>
#include <utility>

namespace loftq::ui {

template <typename Request, typename Result>
class NewestRequestRunner {
public:
    // Runs on a pool thread; `cancel` becomes true when a newer request arrives.
    using Work = std::function<Result(const Request&, const std::atomic<bool>* cancel)>;

    NewestRequestRunner(QObject* context, Work work, std::function<void(const Result&)> deliver,
                        std::function<void(const Request&)> started = {})
        : work_(std::move(work)), deliver_(std::move(deliver)), started_(std::move(started))
    {
        QObject::connect(&watcher_, &QFutureWatcher<Result>::finished, context, [this] { finished(); });
    }
    ~NewestRequestRunner()
    {
        cancel_ = true;
        watcher_.waitForFinished();
    }

    void request(Request request)
    {
        pending_ = std::move(request);
        discarded_ = false;
        if (watcher_.isRunning())
            cancel_ = true; // finished() starts the pending request once this one has stopped
        else
            startNext();
    }
    // Drops a waiting request; one in progress finishes but is not delivered.
    void discard()
    {
        pending_.reset();
        discarded_ = true;
    }

private:
    void startNext()
    {
        Request next = std::move(*pending_);
        pending_.reset();
        cancel_ = false;
        if (started_)
            started_(next);
        watcher_.setFuture(QtConcurrent::run(work_, std::move(next), &cancel_));
    }

    void finished()
    {
        if (pending_) {
            startNext();
            return;
        }
        if (!std::exchange(discarded_, false))
            deliver_(watcher_.result());
    }

    Work work_;
    std::function<void(const Result&)> deliver_;
    std::function<void(const Request&)> started_;
    std::atomic<bool> cancel_{false};
    QFutureWatcher<Result> watcher_;
    std::optional<Request> pending_;
    bool discarded_ = false;
};

} // namespace loftq::ui
