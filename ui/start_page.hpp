#pragma once
// What the window shows before a checkpoint is open: open a file or folder, the demo model, or a
// recent checkpoint; or drop one onto the window.
#include <QWidget>

class QListWidget;
class QPushButton;

namespace loftq::ui {

class StartPage : public QWidget {
    Q_OBJECT
public:
    explicit StartPage(QWidget* parent = nullptr);
    // The demo button is disabled (with a reason) when the demo model is missing.
    void setDemoAvailable(bool available);
    void setRecentFiles(const QStringList& paths);

signals:
    void openFileRequested();
    void openFolderRequested();
    void openDemoRequested();
    void openPathRequested(const QString& path);

private:
    QPushButton* demo_;
    QListWidget* recent_;
};

} // namespace loftq::ui
