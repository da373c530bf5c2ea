#include "tokenize_command.hpp"
#include "cli_options.hpp"

#include "loftq/errors.hpp"
#include "loftq/tokenizer.hpp"

#include <filesystem>
#include <fstream>

namespace loftq::cli {
namespace {

std::string readText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwBadInput(path, std::filesystem::exists(path) ? "cannot be read" : "no such file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throwRuntime(path, "read failed");
    if (text.empty())
        throwBadInput(path, "the text is empty (nothing to tokenize)");
    return text;
}

void printIds(const std::vector<TokenId>& ids, bool json, std::FILE* out)
{
    std::string line = json ? "[" : "";
    for (std::size_t i = 0; i < ids.size(); ++i)
        line += (i ? (json ? "," : " ") : "") + std::to_string(ids[i]);
    line += json ? "]\n" : "\n";
    std::fputs(line.c_str(), out);
}

std::string specialTokensNote(const Tokenizer& tokenizer, const std::vector<TokenId>& ids, bool addSpecialTokens)
{
    if (!addSpecialTokens)
        return "no special tokens (--no-special)";
    const auto leading = tokenizer.leadingSpecialTokens();
    if (leading.empty() || ids.size() < leading.size() || !std::equal(leading.begin(), leading.end(), ids.begin()))
        return "no BOS added (the tokenizer's template adds none)";
    return "BOS added (id " + std::to_string(leading.front()) + ")";
}

} // namespace

int runTokenize(const CliOptions& o, const std::atomic<bool>*, std::FILE* out, std::FILE* err)
{
    const auto text = readText(o.textFile);
    const auto tokenizer = loadTokenizer(o.source);
    std::string repaired;
    const auto invalid = replaceInvalidUtf8(text, repaired);
    const auto ids = tokenizer->encode(repaired, o.addSpecialTokens);
    printIds(ids, o.json, out);
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2f", ids.empty() ? 0.0 : double(text.size()) / double(ids.size()));
    std::string summary = "tokenize: " + std::to_string(ids.size()) + " tokens, " + std::to_string(text.size()) +
                          " bytes, " + ratio + " bytes/token, " + specialTokensNote(*tokenizer, ids, o.addSpecialTokens) +
                          "; " + tokenizer->source();
    if (invalid.sequences)
        summary += "; " + std::to_string(invalid.sequences) + " invalid UTF-8 sequence(s) in " + o.textFile +
                   " replaced by U+FFFD (first at byte " + std::to_string(invalid.firstOffset) + ")";
    std::fprintf(err, "%s\n", summary.c_str());
    return 0;
}

} // namespace loftq::cli
