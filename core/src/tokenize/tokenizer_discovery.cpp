// Which tokenizer a model folder has, in docs/tokenizers.md's order.
#include "byte_tokenizer.hpp"

#include "loftq/errors.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace loftq {
namespace {

namespace fs = std::filesystem;

// vocab_size from config.json, or -1 when the folder has none (top level only: the decoder-only
// families the forward pass runs keep it there).
long configVocabularySize(const fs::path& folder)
{
    const auto path = folder / "config.json";
    std::ifstream in(path);
    if (!in)
        return -1;
    try {
        const auto config = nlohmann::json::parse(in);
        return config.contains("vocab_size") && config["vocab_size"].is_number_integer() ? config["vocab_size"].get<long>() : -1;
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(path.string(), std::string("not valid JSON (") + e.what() + ")");
    }
}

} // namespace

std::unique_ptr<Tokenizer> loadTokenizer(const fs::path& modelFolderOrFile)
{
    const auto& where = modelFolderOrFile;
    if (!fs::exists(where))
        throwBadInput(where.string(), "no such file or folder");
    if (fs::is_directory(where) && configVocabularySize(where) == 256)
        return std::make_unique<ByteTokenizer>((where / "config.json").string() + " (vocab_size 256: one token per byte)");
    throwBadInput(where.string(), "no tokenizer this build reads (looked for a byte-level model: config.json with "
                                  "vocab_size 256); give the ids with --tokens FILE");
}

} // namespace loftq
