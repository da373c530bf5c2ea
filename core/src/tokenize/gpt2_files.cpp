// vocab.json + merges.txt: GPT-2's byte-level BPE in its original form. The pipeline is the one
// tokenizers.ByteLevelBPETokenizer builds: ByteLevel pre-tokenizer (GPT-2 pattern, no prefix
// space), BPE without unk_token, ByteLevel decoder, no added tokens.
#include "pipeline_tokenizer.hpp"
#include "tokenizer_loaders.hpp"

#include "loftq/errors.hpp"

namespace loftq::tokenize {
namespace {

Vocabulary readGpt2Vocabulary(const std::filesystem::path& path)
{
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(readWholeFile(path));
    } catch (const nlohmann::json::exception& e) {
        throwBadInput(path.string(), std::string("not valid JSON (") + e.what() + ")");
    }
    if (!json.is_object())
        throwBadInput(path.string(), "must be a JSON object of token -> id");
    Vocabulary vocabulary;
    vocabulary.reserve(json.size());
    for (const auto& [token, id] : json.items()) {
        if (!id.is_number_integer() || id.get<long>() < 0 || id.get<long>() > std::numeric_limits<TokenId>::max())
            throwBadInput(path.string(), "token " + quoteName(token) + " has no valid id");
        vocabulary.emplace(token, id.get<TokenId>());
    }
    return vocabulary;
}

// One merge per line, "a b"; a first line "#version..." is a comment.
std::vector<std::pair<std::string, std::string>> readMergesText(const std::filesystem::path& path)
{
    const auto text = readWholeFile(path);
    std::vector<std::pair<std::string, std::string>> merges;
    std::size_t lineNumber = 0;
    for (std::size_t start = 0; start < text.size();) {
        auto end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        std::string_view line(text.data() + start, end - start);
        start = end + 1;
        ++lineNumber;
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        if (line.starts_with("#version"))
            continue;
        const auto space = line.find(' ');
        if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos)
            throwBadInput(path.string(), "line " + std::to_string(lineNumber) + " is not two tokens separated by one space");
        merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
    }
    return merges;
}

} // namespace

std::unique_ptr<Tokenizer> loadGpt2Files(const std::filesystem::path& vocab, const std::filesystem::path& merges)
{
    Pipeline p;
    p.preTokenizer = makeGpt2ByteLevel();
    p.model = std::make_unique<BpeModel>(readGpt2Vocabulary(vocab), readMergesText(merges), BpeOptions{}, merges.string());
    p.decoder = makeByteLevelDecoder();
    return std::make_unique<PipelineTokenizer>(std::move(p), vocab.string() + " + " + merges.filename().string());
}

} // namespace loftq::tokenize
