#include "checkpoint_opener.hpp"
#include "loftq/errors.hpp"

namespace loftq::ui {
namespace {

OpenedCheckpoint openCheckpoint(const QString& path, const std::atomic<bool>*)
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

CheckpointOpener::CheckpointOpener(QObject* parent)
    : QObject(parent), runner_(this, &openCheckpoint, [this](const OpenedCheckpoint& result) {
          if (result.checkpoint)
              emit opened(result.path, result.checkpoint);
          else
              emit failed(result.path, result.error);
      })
{
}

void CheckpointOpener::open(const QString& path) { runner_.request(path); }

} // namespace loftq::ui
