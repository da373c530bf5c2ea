#pragma once
// Text -> the model's token ids, exactly as Hugging Face `tokenizers` makes them (docs/tokenizers.md).
// Evaluation and calibration read a user's text through this; every figure after it depends on it.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loftq {

using TokenId = std::int32_t;

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    // addSpecialTokens is transformers' add_special_tokens: the post-processor's template (a BOS, ...).
    virtual std::vector<TokenId> encode(std::string_view text, bool addSpecialTokens) const = 0;
    virtual std::string decode(const std::vector<TokenId>& ids) const = 0;
    // Every id encode can return is below this.
    virtual std::size_t vocabularySize() const = 0;
    // The file (or rule) it was read from, for messages and summaries.
    virtual std::string source() const = 0;
    // The ids encode(text, true) puts before the text (a BOS), for summaries; empty when none.
    virtual std::vector<TokenId> leadingSpecialTokens() const { return {}; }
};

// Text that is not well-formed UTF-8 is encoded as Python's bytes.decode("utf-8", errors="replace")
// would give it to Hugging Face: each maximal ill-formed subsequence becomes U+FFFD (encode does this
// itself; callers use this to tell the user). Returns what was replaced; out is the repaired text.
struct InvalidUtf8 {
    std::size_t sequences = 0;   // how many U+FFFD were put in
    std::size_t firstOffset = 0; // byte offset of the first, when sequences > 0
};
InvalidUtf8 replaceInvalidUtf8(std::string_view text, std::string& out);

// A model folder's tokenizer, found in the order docs/tokenizers.md gives, or the tokenizer file named.
// Throws Error(BadInput) naming the files looked for when there is none it can read.
std::unique_ptr<Tokenizer> loadTokenizer(const std::filesystem::path& modelFolderOrFile);

} // namespace loftq
