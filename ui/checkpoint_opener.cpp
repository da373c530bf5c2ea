#include "checkpoint_opener.hpp"
#include "loftq/errors.hpp"

#include <QtConcurrent/QtConcurrentRun>

namespace loftq::ui {
namespace {

OpenedCheckpoint openCheckpoint(const QString& path)
{
    OpenedCheckpoint result{path, nullptr, {}};
    try {
        result.checkpoint = std::make_shared<const Checkpoint>(Checkpoint::open(path.toStdString()));
    } catch (const Error& e) {
        result.error = QString::fromStdString(e.what());
    } catch (const std::exception& e) {
        result.error = path + ": " + QString::fromStdString(e.what());
    }
    return result;
}

} // namespace

CheckpointOpener::CheckpointOpener(QObject* parent) : QObject(parent)
{
    connect(&watcher_, &QFutureWatcher<OpenedCheckpoint>::finished, this, &CheckpointOpener::deliver);
}

CheckpointOpener::~CheckpointOpener() { watcher_.waitForFinished(); }

void CheckpointOpener::open(const QString& path)
{
    if (watcher_.isRunning()) {
        pending_ = path;
        return;
    }
    watcher_.setFuture(QtConcurrent::run(openCheckpoint, path));
}

void CheckpointOpener::deliver()
{
    if (!pending_.isEmpty()) {
        open(std::exchange(pending_, QString()));
        return;
    }
    const auto result = watcher_.result();
    if (result.checkpoint)
        emit opened(result.path, result.checkpoint);
    else
        emit failed(result.path, result.error);
}

} // namespace loftq::ui
