#pragma once
// Paths and small helpers the workbench's GUI tests share.
#include "loftq/checkpoint.hpp"

#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QTimer>
#include <memory>

namespace loftq::ui::test {

inline QString fixturePath(const char* name) { return QStringLiteral(LOFTQ_SOURCE_DIR "/tests/fixtures/") + name; }
inline QString demoModelPath() { return QStringLiteral(LOFTQ_SOURCE_DIR "/resources/demo/pico-llama-2L"); }

// Opening a small fixture directly is fine in a test; the app opens through CheckpointOpener.
inline std::shared_ptr<const Checkpoint> openCheckpoint(const QString& path)
{
    return std::make_shared<const Checkpoint>(Checkpoint::open(path.toStdString()));
}

// Measures the longest gap between ticks of a 10 ms timer on the GUI thread.
class StallMeter : public QObject {
public:
    StallMeter()
    {
        timer_.setTimerType(Qt::PreciseTimer);
        timer_.setInterval(10);
        connect(&timer_, &QTimer::timeout, this, [this] {
            maxGapMs_ = std::max(maxGapMs_, clock_.restart());
            ++ticks_;
        });
        clock_.start();
        timer_.start();
    }
    qint64 maxGapMs() const { return maxGapMs_; }
    int ticks() const { return ticks_; }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    qint64 maxGapMs_ = 0;
    int ticks_ = 0;
};

} // namespace loftq::ui::test
