#include "staged_files.hpp"
#include "loftq/errors.hpp"

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace loftq::detail {

AtomicFile& StagedFiles::stage(const std::string& relative)
{
    const fs::path path = fs::path(folder_) / relative;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec)
        throwRuntime(path.parent_path().string(), "cannot create folder: " + ec.message());
    staged_.push_back(std::make_unique<AtomicFile>(path.string()));
    return *staged_.back();
}

void StagedFiles::stageText(const std::string& relative, const std::string& text)
{
    auto& f = stage(relative);
    f.write(text);
    f.finish();
}

void StagedFiles::stageCopy(const std::string& from, const std::string& relative)
{
    auto& f = stage(relative);
    appendFileTo(from, f);
    f.finish();
}

void StagedFiles::stageBytes(const std::string& relative, std::span<const std::byte> bytes)
{
    auto& f = stage(relative);
    f.write(bytes);
    f.finish();
}

void StagedFiles::commit()
{
    for (auto& f : staged_)
        f->commit();
    staged_.clear();
}

void appendFileTo(const std::string& from, AtomicFile& to)
{
    std::ifstream in(from, std::ios::binary);
    if (!in)
        throwRuntime(from, "cannot read for copying");
    std::vector<char> buffer(1 << 20);
    while (in.read(buffer.data(), std::streamsize(buffer.size())) || in.gcount() > 0)
        to.write(std::span<const std::byte>(reinterpret_cast<const std::byte*>(buffer.data()),
                                            std::size_t(in.gcount())));
    if (in.bad())
        throwRuntime(from, "read failed while copying");
}

} // namespace loftq::detail
