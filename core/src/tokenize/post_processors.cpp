#include "post_processors.hpp"

namespace loftq::tokenize {
namespace {

// The "single" template: special tokens' ids and the text's ids ("Sequence" A) in order.
class TemplateProcessing final : public PostProcessor {
public:
    explicit TemplateProcessing(const Spec& spec)
    {
        const auto single = spec["single"];
        const auto specials = spec["special_tokens"];
        for (std::size_t i = 0; i < single.size(); ++i) {
            const auto item = single[i];
            if (item.has("Sequence")) {
                if (item["Sequence"].string("id") != "A")
                    item["Sequence"]["id"].fail("a single-sequence template can only hold sequence A");
                items_.push_back({true, {}});
            } else {
                const auto name = item["SpecialToken"].string("id");
                if (!specials.has(name.c_str()))
                    item["SpecialToken"]["id"].fail(quoteName(name) + " is not in special_tokens");
                const auto ids = specials[name.c_str()]["ids"];
                Item special{false, {}};
                for (std::size_t k = 0; k < ids.size(); ++k) {
                    if (!ids[k].json().is_number_integer() || ids[k].json().get<long>() < 0 ||
                        ids[k].json().get<long>() > std::numeric_limits<TokenId>::max())
                        ids[k].fail("must be a token id");
                    special.ids.push_back(ids[k].json().get<TokenId>());
                }
                items_.push_back(std::move(special));
            }
        }
    }
    void addSpecialTokens(std::vector<TokenId>& ids) const override
    {
        std::vector<TokenId> out;
        out.reserve(ids.size() + 4);
        for (const auto& item : items_)
            out.insert(out.end(), item.isSequence ? ids.begin() : item.ids.begin(), item.isSequence ? ids.end() : item.ids.end());
        ids = std::move(out);
    }
    std::vector<TokenId> leadingIds() const override
    {
        std::vector<TokenId> leading;
        for (const auto& item : items_) {
            if (item.isSequence)
                break;
            leading.insert(leading.end(), item.ids.begin(), item.ids.end());
        }
        return leading;
    }

private:
    struct Item {
        bool isSequence;
        std::vector<TokenId> ids;
    };
    std::vector<Item> items_;
};

// ByteLevel only trims offsets, which the workbench does not keep: the ids are unchanged.
class IdsUnchanged final : public PostProcessor {
public:
    void addSpecialTokens(std::vector<TokenId>&) const override {}
    std::vector<TokenId> leadingIds() const override { return {}; }
};

class Sequence final : public PostProcessor {
public:
    explicit Sequence(const Spec& spec)
    {
        const auto list = spec["processors"];
        for (std::size_t i = 0; i < list.size(); ++i)
            steps_.push_back(makePostProcessor(list[i]));
    }
    void addSpecialTokens(std::vector<TokenId>& ids) const override
    {
        for (const auto& step : steps_)
            step->addSpecialTokens(ids);
    }
    std::vector<TokenId> leadingIds() const override
    {
        std::vector<TokenId> leading;
        for (auto step = steps_.rbegin(); step != steps_.rend(); ++step) {
            auto before = (*step)->leadingIds();
            leading.insert(leading.begin(), before.begin(), before.end());
        }
        return leading;
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> steps_;
};

} // namespace

std::unique_ptr<PostProcessor> makePostProcessor(const Spec& spec)
{
    static const ComponentTable<PostProcessor> table(
        "post_processor", {
                              {"TemplateProcessing", [](const Spec& s) { return std::make_unique<TemplateProcessing>(s); }},
                              {"ByteLevel", [](const Spec&) { return std::make_unique<IdsUnchanged>(); }},
                              {"Sequence", [](const Spec& s) { return std::make_unique<Sequence>(s); }},
                          });
    return table.make(spec);
}

} // namespace loftq::tokenize
