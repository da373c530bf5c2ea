#include "terminal_progress.hpp"

#include <string>
#include <unistd.h>

namespace loftq::cli {
namespace {

std::string formatSeconds(double s)
{
    if (s < 0)
        return "--:--";
    const long t = long(s + 0.5);
    char buf[32];
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
    else
        std::snprintf(buf, sizeof buf, "%02ld:%02ld", t / 60, t % 60);
    return buf;
}

} // namespace

TerminalProgress::TerminalProgress(bool json, std::FILE* out, std::FILE* err)
    : json_(json), tty_(::isatty(::fileno(err)) != 0), out_(out), err_(err)
{
}

void TerminalProgress::operator()(const ProgressEvent& e)
{
    if (json_) {
        std::fprintf(out_, "%s\n", toJson(e).dump().c_str());
        std::fflush(out_);
        return;
    }
    if (tty_) {
        drawBar(e);
        return;
    }
    if (e.kind == ProgressEvent::Kind::LayerFinished && e.report)
        std::fprintf(err_, "[%d/%d] %s %s\n", e.layerIndex + 1, e.layerCount, e.layer.c_str(),
                     std::string(layerStatusName(e.report->status)).c_str());
}

void TerminalProgress::drawBar(const ProgressEvent& e)
{
    const bool last = e.kind == ProgressEvent::Kind::RunFinished;
    if (!last && e.elapsedSeconds - lastDraw_ < 0.1 && e.kind != ProgressEvent::Kind::LayerFinished)
        return;
    lastDraw_ = e.elapsedSeconds;
    constexpr int width = 30;
    const int filled = int(e.fractionDone * width + 0.5);
    std::string bar(std::size_t(filled), '#');
    bar.append(std::size_t(width - filled), '.');
    std::string layer = e.layer.size() > 40 ? "..." + e.layer.substr(e.layer.size() - 37) : e.layer;
    std::fprintf(err_, "\r[%s] %5.1f%%  %s elapsed  ETA %s  %-40s", bar.c_str(), 100.0 * e.fractionDone,
                 formatSeconds(e.elapsedSeconds).c_str(), formatSeconds(e.etaSeconds).c_str(), layer.c_str());
    if (last)
        std::fprintf(err_, "\n");
    std::fflush(err_);
}

} // namespace loftq::cli
