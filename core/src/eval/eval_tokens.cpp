// Token ids for an evaluation: text through the model's tokenizer, or a file of ids.
#include "loftq/errors.hpp"
#include "loftq/eval.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace loftq {
namespace {

std::string readWholeFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throwBadInput(path, "cannot be read");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

} // namespace

EvalTokens tokensFromText(const std::string& textFile, const std::string& modelFolder)
{
    const auto text = readWholeFile(textFile);
    if (!isValidUtf8(text))
        throwBadInput(textFile, "is not UTF-8 text");
    const auto tokenizer = loadTokenizer(modelFolder);
    return {tokenizer->encode(text, true), text.size(), textFile};
}

EvalTokens tokensFromFile(const std::string& tokenFile)
{
    const auto text = readWholeFile(tokenFile);
    EvalTokens tokens{{}, 0, tokenFile};
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '[') {
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& e) {
            throwBadInput(tokenFile, std::string("not a valid JSON array (") + e.what() + ")");
        }
        for (const auto& v : j) {
            if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > INT32_MAX)
                throwBadInput(tokenFile, "holds " + v.dump() + ", which is not a token id");
            tokens.ids.push_back(v.get<TokenId>());
        }
        return tokens;
    }
    std::size_t pos = 0;
    while ((pos = text.find_first_not_of(" \t\r\n", pos)) != std::string::npos) {
        const auto end = std::min(text.find_first_of(" \t\r\n", pos), text.size());
        TokenId id = -1;
        const auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + end, id);
        if (ec != std::errc() || ptr != text.data() + end || id < 0)
            throwBadInput(tokenFile, "holds '" + text.substr(pos, std::min<std::size_t>(end - pos, 20)) +
                                         "', which is not a token id (expected a JSON array or integers separated by spaces)");
        tokens.ids.push_back(id);
        pos = end;
    }
    return tokens;
}

} // namespace loftq
