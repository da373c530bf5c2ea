#include "demo_model.hpp"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>

namespace loftq::ui {

QString findDemoModel()
{
    const QString appDir = QCoreApplication::applicationDirPath();
    const QStringList demoDirs{
        appDir + "/../../resources/demo",              // <build>/bin inside the source tree
        appDir + "/../share/loftq-workbench/demo",     // installed under any prefix
        QStringLiteral(LOFTQ_INSTALLED_DEMO_DIR),      // the .deb's /usr/share/loftq-workbench/demo
        QStringLiteral(LOFTQ_SOURCE_DEMO_DIR),         // a build tree outside the source tree
    };
    for (const auto& dir : demoDirs) {
        const QFileInfo model(dir + "/pico-llama-2L/model.safetensors");
        if (model.isFile())
            return QDir::cleanPath(model.absolutePath());
    }
    return {};
}

} // namespace loftq::ui
