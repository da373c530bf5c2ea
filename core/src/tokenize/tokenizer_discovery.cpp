// Which tokenizer a model folder has, in docs/tokenizers.md's order, or which a file is.
#include "byte_tokenizer.hpp"
#include "tokenizer_loaders.hpp"

#include "loftq/errors.hpp"
#include "loftq/tokenizer_json.hpp"

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

// The merges file that goes with a vocab.json: "X-merges.txt" for "X-vocab.json", else merges.txt.
fs::path mergesBeside(const fs::path& vocab)
{
    const auto name = vocab.filename().string();
    const auto prefixed = vocab.parent_path() / (name.substr(0, name.size() - std::string("vocab.json").size()) + "merges.txt");
    return fs::exists(prefixed) ? prefixed : vocab.parent_path() / "merges.txt";
}

std::unique_ptr<Tokenizer> loadFile(const fs::path& file)
{
    const auto name = file.filename().string();
    if (name.ends_with(".model"))
        return tokenize::loadSentencePiece(file);
    if (name.ends_with("vocab.json")) {
        const auto merges = mergesBeside(file);
        if (!fs::exists(merges))
            throwBadInput(file.string(), "a vocab.json needs its merges.txt beside it (" + merges.string() + " is missing)");
        return tokenize::loadGpt2Files(file, merges);
    }
    if (name.ends_with(".json"))
        return tokenize::loadTokenizerJsonFile(file);
    throwBadInput(file.string(), "not a tokenizer file this build reads (tokenizer.json, vocab.json with merges.txt, "
                                 "tokenizer.model)");
}

} // namespace

namespace tokenize {

std::string readWholeFile(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwBadInput(path.string(), fs::exists(path) ? "cannot be read" : "no such file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throwRuntime(path.string(), "read failed");
    return bytes;
}

std::unique_ptr<Tokenizer> loadTokenizerJsonFile(const fs::path& path)
{
    return parseTokenizerJson(readWholeFile(path), path.string());
}

} // namespace tokenize

std::unique_ptr<Tokenizer> loadTokenizer(const fs::path& modelFolderOrFile)
{
    const auto& where = modelFolderOrFile;
    if (!fs::exists(where))
        throwBadInput(where.string(), "no such file or folder");
    if (!fs::is_directory(where))
        return loadFile(where);
    if (fs::exists(where / "tokenizer.json"))
        return tokenize::loadTokenizerJsonFile(where / "tokenizer.json");
    if (fs::exists(where / "vocab.json") && fs::exists(where / "merges.txt"))
        return tokenize::loadGpt2Files(where / "vocab.json", where / "merges.txt");
    if (fs::exists(where / "tokenizer.model"))
        return tokenize::loadSentencePiece(where / "tokenizer.model");
    if (configVocabularySize(where) == 256)
        return std::make_unique<ByteTokenizer>((where / "config.json").string() + " (vocab_size 256: one token per byte)");
    throwBadInput(where.string(), "no tokenizer found (looked for tokenizer.json, vocab.json + merges.txt, "
                                  "tokenizer.model, config.json with vocab_size 256); give the ids with --tokens FILE");
}

} // namespace loftq
