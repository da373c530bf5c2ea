// loftq-workbench: the desktop GUI. main() only; everything else is in ui/.
#include "main_window.hpp"
#include "workbench_settings.hpp"
#include "loftq/memory_reuse.hpp"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char** argv)
{
    loftq::keepFreedMemoryForReuse(); // before Qt's threads start
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("loftq"));
    QApplication::setApplicationName(QStringLiteral("loftq-workbench"));
    QApplication::setApplicationDisplayName(QStringLiteral("LoftQ Workbench"));
    QApplication::setApplicationVersion(QStringLiteral(LOFTQ_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("org.loftq.Workbench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("LoftQ quantization, layer by layer, in a desktop app."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption demo(QStringLiteral("demo"), QStringLiteral("Open the bundled demo model."));
    const QCommandLineOption plan(QStringLiteral("plan"), QStringLiteral("Load a plan file (the JSON the CLI reads)."),
                                  QStringLiteral("FILE"));
    parser.addOption(demo);
    parser.addOption(plan);
    parser.addPositionalArgument(QStringLiteral("checkpoint"),
                                 QStringLiteral("A .safetensors file or a Hugging Face model folder to open."),
                                 QStringLiteral("[checkpoint]"));
    parser.process(app);

    loftq::ui::WorkbenchSettings settings;
    loftq::ui::MainWindow window(settings);
    window.show();
    if (parser.isSet(plan)) // applied once the checkpoint is open (the window's own handler runs first)
        QObject::connect(&window.opener(), &loftq::ui::CheckpointOpener::opened, &window,
                         [&window, file = parser.value(plan)] { window.loadPlan(file); },
                         Qt::SingleShotConnection);
    if (!parser.positionalArguments().isEmpty())
        window.openPath(parser.positionalArguments().first());
    else if (parser.isSet(demo))
        window.openDemoModel();
    return app.exec();
}
