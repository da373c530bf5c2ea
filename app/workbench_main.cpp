// loftq-workbench: the desktop GUI. main() only; everything else is in ui/.
#include "main_window.hpp"
#include "workbench_settings.hpp"
#include "loftq/cpu_level.hpp"
#include "loftq/memory_reuse.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

struct Arguments {
    QCommandLineParser parser;
    QCommandLineOption version{{QStringLiteral("v"), QStringLiteral("version")},
                               QStringLiteral("Displays version information.")};
    QCommandLineOption demo{QStringLiteral("demo"), QStringLiteral("Open the bundled demo model.")};
    QCommandLineOption plan{QStringLiteral("plan"), QStringLiteral("Load a plan file (the JSON the CLI reads)."),
                            QStringLiteral("FILE")};
};

// Parses the command line; --help and --version print and exit here.
void parse(const QCoreApplication& app, Arguments& a)
{
    a.parser.setApplicationDescription(QStringLiteral("LoftQ quantization, layer by layer, in a desktop app."));
    a.parser.addHelpOption();
    a.parser.addOption(a.version);
    a.parser.addOption(a.demo);
    a.parser.addOption(a.plan);
    a.parser.addPositionalArgument(QStringLiteral("checkpoint"),
                                   QStringLiteral("A .safetensors file or a Hugging Face model folder to open."),
                                   QStringLiteral("[checkpoint]"));
    a.parser.process(app);
    if (a.parser.isSet(a.version)) {
        std::printf("loftq-workbench %s\n%s\n", LOFTQ_VERSION, loftq::cpu::levelReport().c_str());
        std::exit(0);
    }
}

// --help and --version need no window system (over ssh, in CI, in the package test): they are
// answered by a QCoreApplication, before QApplication would look for a display.
bool onlyPrints(int argc, char** argv)
{
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--")
            break;
        if (arg == "-h" || arg == "-?" || arg == "--help" || arg == "--help-all" || arg == "-v" || arg == "--version")
            return true;
    }
    return false;
}

void nameApplication()
{
    QCoreApplication::setOrganizationName(QStringLiteral("loftq"));
    QCoreApplication::setApplicationName(QStringLiteral("loftq-workbench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LOFTQ_VERSION));
}

} // namespace

int main(int argc, char** argv)
{
    if (onlyPrints(argc, argv)) {
        QCoreApplication app(argc, argv);
        nameApplication();
        Arguments arguments;
        parse(app, arguments);
        return 0;
    }
    loftq::keepFreedMemoryForReuse(); // before Qt's threads start
    QApplication app(argc, argv);
    nameApplication();
    QApplication::setApplicationDisplayName(QStringLiteral("LoftQ Workbench"));
    QApplication::setDesktopFileName(QStringLiteral("org.loftq.Workbench"));
    Arguments arguments;
    parse(app, arguments);

    loftq::ui::WorkbenchSettings settings;
    loftq::ui::MainWindow window(settings);
    window.show();
    if (arguments.parser.isSet(arguments.plan)) // applied once the checkpoint is open (the window's own handler runs first)
        QObject::connect(&window.opener(), &loftq::ui::CheckpointOpener::opened, &window,
                         [&window, file = arguments.parser.value(arguments.plan)] { window.loadPlan(file); },
                         Qt::SingleShotConnection);
    if (!arguments.parser.positionalArguments().isEmpty())
        window.openPath(arguments.parser.positionalArguments().first());
    else if (arguments.parser.isSet(arguments.demo))
        window.openDemoModel();
    return app.exec();
}
