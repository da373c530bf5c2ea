#pragma once
// Opens checkpoints off the GUI thread: parsing the headers of a sharded model on a slow disk must
// not freeze the window. One open at a time; a newer request supersedes an older one
// (NewestRequestRunner).
#include "loftq/checkpoint.hpp"
#include "newest_request_runner.hpp"

#include <QObject>
#include <QString>
#include <memory>

namespace loftq::ui {

struct OpenedCheckpoint {
    QString path;
    std::shared_ptr<const Checkpoint> checkpoint; // null on failure
    QString error;                                // "FILE: problem" from the engine
};

class CheckpointOpener : public QObject {
    Q_OBJECT
public:
    explicit CheckpointOpener(QObject* parent = nullptr);

    void open(const QString& path);

signals:
    void opened(const QString& path, std::shared_ptr<const loftq::Checkpoint> checkpoint);
    void failed(const QString& path, const QString& message);

private:
    NewestRequestRunner<QString, OpenedCheckpoint> runner_;
};

} // namespace loftq::ui
