#include "io/output_folder.hpp"
#include "loftq/errors.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace loftq {
namespace {

// Both paths absolute and canonical. Compares whole components, so /a/model-out is not inside /a/model.
bool isSameOrInside(const fs::path& inner, const fs::path& outer)
{
    std::vector<fs::path> in, out;
    for (const auto& part : inner.lexically_normal())
        if (!part.empty())
            in.push_back(part);
    for (const auto& part : outer.lexically_normal())
        if (!part.empty())
            out.push_back(part);
    return out.size() <= in.size() && std::equal(out.begin(), out.end(), in.begin());
}

// A manifest entry names a file inside the output folder, never above it or elsewhere: --force
// deletes the files a previous export listed, so a hand-edited manifest must not widen that.
bool isInsideFolder(const std::string& relative)
{
    if (relative.empty() || relative.find('\0') != std::string::npos)
        return false;
    const fs::path p(relative);
    if (p.is_absolute() || p.has_root_name() || p.has_root_directory())
        return false;
    for (const auto& part : p)
        if (part == ".." || part == "." || part.empty())
            return false;
    return true;
}

fs::path canonicalFolder(const std::string& path, const std::string& label)
{
    std::error_code ec;
    const auto absolute = fs::absolute(path, ec);
    if (ec)
        throwBadInput(label, "cannot resolve the path: " + ec.message());
    auto canonical = fs::weakly_canonical(absolute, ec);
    if (ec)
        throwBadInput(label, "cannot resolve the path: " + ec.message());
    return canonical;
}

} // namespace

std::vector<std::string> previousExportFiles(const std::string& outputDir)
{
    const auto path = fs::path(outputDir) / kExportManifest;
    std::vector<std::string> files;
    std::error_code ec;
    if (!fs::exists(path, ec))
        return files;
    std::ifstream in(path);
    if (!in)
        throwBadInput(path.string(), "cannot read the export manifest");
    try {
        const auto j = nlohmann::json::parse(in);
        for (const auto& f : j.at("files"))
            files.push_back(f.get<std::string>());
    } catch (const std::exception&) {
        throwBadInput(path.string(), "is not a valid export manifest");
    }
    for (const auto& f : files)
        if (!isInsideFolder(f))
            throwBadInput(path.string(), "lists " + quoteName(f) +
                                             ", which is not a file inside the output folder; refusing to use it");
    return files;
}

bool prepareOutputFolder(const Checkpoint& source, const std::string& outputDir, bool force, std::string* createdTop)
{
    if (createdTop)
        createdTop->clear();
    if (outputDir.empty())
        throwBadInput("-o", "no output folder given");
    const fs::path out = canonicalFolder(outputDir, outputDir);
    const fs::path src = canonicalFolder(source.directory(), source.directory());
    std::error_code ec;
    if (isSameOrInside(out, src))
        throwBadInput(outputDir, "output folder is the source folder or inside it (" + src.string() +
                                     "); choose a folder outside the source");
    const auto status = fs::status(out, ec);
    if (fs::exists(status)) {
        if (!fs::is_directory(status))
            throwBadInput(outputDir, "exists and is not a folder");
        const bool empty = fs::is_empty(out, ec);
        if (ec)
            throwBadInput(outputDir, "cannot list the output folder: " + ec.message());
        if (!empty && !force)
            throwBadInput(outputDir, "output folder is not empty (use --force to replace a previous export there)");
        return false;
    }
    // The outermost folder that will be created; stop at anything we cannot tell is missing.
    fs::path top = out;
    while (top.has_parent_path() && top.parent_path() != top) {
        std::error_code e;
        const bool exists = fs::exists(top.parent_path(), e);
        if (exists || e)
            break;
        top = top.parent_path();
    }
    fs::create_directories(out, ec);
    if (ec) {
        OutputFolderRollback undo; // remove the parents that were created before the failure
        undo.arm(out.string(), top.string());
        throwRuntime(outputDir, "cannot create output folder: " + ec.message());
    }
    if (createdTop)
        *createdTop = top.string();
    return true;
}

namespace {

std::vector<std::string> foldersUnder(const std::string& root)
{
    std::vector<std::string> out;
    std::error_code ec;
    // Symbolic links to folders are not followed: only what lies inside the output folder counts.
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code e;
        if (it->is_directory(e) && !it->is_symlink(e))
            out.push_back(it->path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace

void OutputFolderRollback::arm(const std::string& outputDir, const std::string& createdTop)
{
    std::error_code ec;
    const auto canonical = fs::weakly_canonical(fs::absolute(outputDir, ec), ec);
    outputDir_ = ec ? outputDir : canonical.string(); // compared with createdTop, which is canonical
    createdTop_ = createdTop;
    foldersBefore_ = foldersUnder(outputDir);
    armed_ = true;
}

OutputFolderRollback::~OutputFolderRollback()
{
    if (!armed_)
        return;
    std::error_code ec;
    auto added = foldersUnder(outputDir_);
    std::erase_if(added, [&](const std::string& f) {
        return std::binary_search(foldersBefore_.begin(), foldersBefore_.end(), f);
    });
    // Deepest first; fs::remove refuses a folder that is not empty, which is what keeps files safe.
    std::sort(added.begin(), added.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    for (const auto& f : added)
        fs::remove(f, ec);
    if (createdTop_.empty())
        return;
    const fs::path top(createdTop_);
    for (fs::path p(outputDir_); p.is_absolute() && isSameOrInside(p, top); p = p.parent_path())
        if (!fs::remove(p, ec))
            break;
}

} // namespace loftq
