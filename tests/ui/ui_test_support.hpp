#pragma once
// Paths and small helpers the workbench's GUI tests share.
#include "loftq/checkpoint.hpp"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <atomic>
#include <chrono>
#include <thread>
#include <memory>

// Sanitizer builds (ctest --preset asan / tsan, docs/trust.md) run the engine 3-15x slower, beside
// other tests: there, bounds on wall time (cancel latency, event-loop stalls, time to open) are
// printed instead of checked, and waits for engine work get 10 times their deadline. Everything
// else a test checks is checked in every build.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOFTQ_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LOFTQ_TEST_SANITIZED 1
#endif
#endif
#ifndef LOFTQ_TEST_SANITIZED
#define LOFTQ_TEST_SANITIZED 0
#endif

// QVERIFY2 for a bound on wall time: checked in optimized builds, printed in sanitizer builds.
#define LOFTQ_VERIFY_WALL_TIME(condition, message)                                                  \
    do {                                                                                           \
        if (!LOFTQ_TEST_SANITIZED)                                                                 \
            QVERIFY2(condition, message);                                                          \
        else if (!(condition))                                                                     \
            qInfo("sanitizer build, wall time not checked: %s (%s)", #condition, message);         \
    } while (false)

namespace loftq::ui::test {

// Deadline for a wait on engine work (a run, a measurement, opening a checkpoint).
constexpr int engineMs(int ms) { return LOFTQ_TEST_SANITIZED ? 10 * ms : ms; }

inline QString fixturePath(const char* name) { return QStringLiteral(LOFTQ_SOURCE_DIR "/tests/fixtures/") + name; }
inline QString demoModelPath() { return QStringLiteral(LOFTQ_SOURCE_DIR "/resources/demo/pico-llama-2L"); }

// Opening a small fixture directly is fine in a test; the app opens through CheckpointOpener.
inline std::shared_ptr<const Checkpoint> openCheckpoint(const QString& path)
{
    return std::make_shared<const Checkpoint>(Checkpoint::open(path.toStdString()));
}

// Measures the longest gap between ticks of a 10 ms timer on the GUI thread, and, as a control,
// the longest gap of a plain thread sleeping 10 ms at a time over the same period: what this
// shared machine's scheduler alone does to a thread that wakes every 10 ms.
class StallMeter : public QObject {
public:
    static constexpr qint64 kIntervalMs = 10;

    StallMeter() : control_([this] { measureControl(); })
    {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(int(kIntervalMs));
        connect(&timer_, &QTimer::timeout, this, [this] {
            maxGapMs_ = std::max(maxGapMs_, clock_.restart());
            ++ticks_;
        });
        clock_.start();
        timer_.start();
    }
    ~StallMeter() override
    {
        stop_ = true;
        control_.join();
    }
    qint64 maxGapMs() const { return maxGapMs_; }
    qint64 controlMaxGapMs() const { return controlMaxGapMs_; }
    int ticks() const { return ticks_; }
    // 50 ms for the event loop, plus what the machine added to the control thread beyond its
    // interval (about nothing on a quiet machine), so the check is about the workbench, not the load.
    qint64 budgetMs() const { return 50 + std::max<qint64>(0, controlMaxGapMs_ - kIntervalMs); }

private:
    void measureControl()
    {
        QElapsedTimer clock;
        clock.start();
        while (!stop_) {
            std::this_thread::sleep_for(std::chrono::milliseconds(kIntervalMs));
            controlMaxGapMs_ = std::max<qint64>(controlMaxGapMs_, clock.restart());
        }
    }

    QTimer timer_;
    QElapsedTimer clock_;
    qint64 maxGapMs_ = 0;
    int ticks_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<qint64> controlMaxGapMs_{0};
    std::thread control_;
};

} // namespace loftq::ui::test
