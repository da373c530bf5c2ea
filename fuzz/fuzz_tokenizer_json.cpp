// Fuzz target: parseTokenizerJson, the reader of Hugging Face tokenizer.json files, and encoding
// and decoding with whatever it accepts.
#include "loftq/errors.hpp"
#include "loftq/tokenizer_json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

// Bad input is refused as "fuzz.tokenizer.json: problem" on one bounded line; anything else aborts.
void checkRefusal(const loftq::Error& e)
{
    const std::string_view message = e.what();
    if (e.kind() != loftq::ErrorKind::BadInput || message.find('\n') != std::string_view::npos ||
        !message.starts_with("fuzz.tokenizer.json: ") || message.size() > 5000)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    std::unique_ptr<loftq::Tokenizer> tokenizer;
    try {
        tokenizer = loftq::parseTokenizerJson(text, "fuzz.tokenizer.json");
    } catch (const loftq::Error& e) {
        checkRefusal(e);
        return 0;
    }
    // What an accepted tokenizer promises: ids below its vocabulary size, decodable.
    for (const std::string_view sample : {std::string_view("Hello, world! 123 <s> caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80"),
                                          std::string_view("  \n\t\xFF\xC0 x"), std::string_view("")}) {
        try {
            for (const bool special : {false, true}) {
                const auto ids = tokenizer->encode(sample, special);
                for (const auto id : ids)
                    if (id < 0 || std::size_t(id) >= tokenizer->vocabularySize())
                        std::abort();
                tokenizer->decode(ids);
            }
        } catch (const loftq::Error& e) {
            checkRefusal(e);
        }
    }
    return 0;
}
