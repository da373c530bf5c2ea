#include "loftq/output_folder.hpp"
#include "loftq/errors.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace loftq {
namespace {

bool isSameOrInside(const fs::path& inner, const fs::path& outer)
{
    auto i = inner.begin();
    for (auto o = outer.begin(); o != outer.end(); ++o, ++i) {
        if (o->empty())
            continue; // trailing separator
        if (i == inner.end() || *i != *o)
            return false;
    }
    return true;
}

} // namespace

std::vector<std::string> previousExportFiles(const std::string& outputDir)
{
    std::vector<std::string> files;
    std::ifstream in(fs::path(outputDir) / kExportManifest);
    if (!in)
        return files;
    try {
        const auto j = nlohmann::json::parse(in);
        for (const auto& f : j.at("files"))
            files.push_back(f.get<std::string>());
    } catch (const std::exception&) {
        throwBadInput((fs::path(outputDir) / kExportManifest).string(), "is not a valid export manifest");
    }
    return files;
}

bool prepareOutputFolder(const Checkpoint& source, const std::string& outputDir, bool force)
{
    if (outputDir.empty())
        throwBadInput("-o", "no output folder given");
    std::error_code ec;
    const fs::path out = fs::weakly_canonical(fs::absolute(outputDir), ec);
    const fs::path src = fs::weakly_canonical(fs::absolute(source.directory()), ec);
    if (isSameOrInside(out, src))
        throwBadInput(outputDir, "output folder is the source folder or inside it (" + src.string() +
                                     "); choose a folder outside the source");
    if (fs::exists(out)) {
        if (!fs::is_directory(out))
            throwBadInput(outputDir, "exists and is not a folder");
        if (!fs::is_empty(out) && !force)
            throwBadInput(outputDir, "output folder is not empty (use --force to replace a previous export there)");
        return false;
    }
    fs::create_directories(out, ec);
    if (ec)
        throwRuntime(outputDir, "cannot create output folder: " + ec.message());
    return true;
}

} // namespace loftq
