#include "post_processors.hpp"

#include <optional>
#include <string>

namespace switchboard::local {
namespace {

// The single-sequence template: special tokens around the sequence "A".
class TemplateProcessing final : public PostProcessor {
 public:
  explicit TemplateProcessing(const JsonField& spec) {
    const JsonField single = spec["single"];
    if (!single.is_array()) single.expected("an array of template pieces");
    const auto special_tokens = spec.optional("special_tokens");
    for (size_t i = 0; i < single.size(); ++i) {
      const JsonField item = single.at(i);
      if (const auto sequence = item.optional("Sequence")) {
        const std::string name = (*sequence)["id"].string();
        if (name != "A") (*sequence)["id"].expected("\"A\" (a single-sequence template holds only A)");
        pieces_.push_back(std::nullopt);
      } else if (const auto special = item.optional("SpecialToken")) {
        const std::string name = (*special)["id"].string();
        const auto entry = special_tokens ? special_tokens->optional(name) : std::nullopt;
        if (!entry) (*special)["id"].fail("\"" + name + "\" is not listed in special_tokens");
        const JsonField ids = (*entry)["ids"];
        if (!ids.is_array()) ids.expected("an array of token ids");
        std::vector<int32_t> values;
        for (size_t k = 0; k < ids.size(); ++k) values.push_back(ids.at(k).token_id());
        pieces_.push_back(std::move(values));
      } else {
        item.expected("{\"Sequence\": ...} or {\"SpecialToken\": ...}");
      }
    }
  }

  std::vector<int32_t> process(std::vector<int32_t> ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return ids;
    std::vector<int32_t> out;
    out.reserve(ids.size() + 4);
    for (const auto& piece : pieces_) {
      if (piece) {
        out.insert(out.end(), piece->begin(), piece->end());
      } else {
        out.insert(out.end(), ids.begin(), ids.end());
      }
    }
    return out;
  }

 private:
  std::vector<std::optional<std::vector<int32_t>>> pieces_;  // nullopt stands for the sequence
};

// Roberta: <s> A </s>; Bert: [CLS] A [SEP]. Both store their tokens as [content, id].
class WrapProcessing final : public PostProcessor {
 public:
  WrapProcessing(int32_t first, int32_t last) : first_(first), last_(last) {}
  std::vector<int32_t> process(std::vector<int32_t> ids, bool add_special_tokens) const override {
    if (!add_special_tokens) return ids;
    ids.insert(ids.begin(), first_);
    ids.push_back(last_);
    return ids;
  }

 private:
  int32_t first_, last_;
};

// ByteLevel only adjusts offsets, which this tokenizer does not report: ids pass unchanged.
class PassThrough final : public PostProcessor {
 public:
  std::vector<int32_t> process(std::vector<int32_t> ids, bool) const override { return ids; }
};

class Sequence final : public PostProcessor {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PostProcessor>> steps) : steps_(std::move(steps)) {}
  std::vector<int32_t> process(std::vector<int32_t> ids, bool add_special_tokens) const override {
    for (const auto& step : steps_) ids = step->process(std::move(ids), add_special_tokens);
    return ids;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

int32_t wrap_token_id(const JsonField& pair) {
  if (!pair.is_array() || pair.size() != 2) pair.expected("[token, id]");
  return pair.at(1).token_id();
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const JsonField& spec) {
  const std::string type = spec["type"].string();
  if (type == "TemplateProcessing") return std::make_unique<TemplateProcessing>(spec);
  if (type == "ByteLevel") return std::make_unique<PassThrough>();
  if (type == "RobertaProcessing") return std::make_unique<WrapProcessing>(wrap_token_id(spec["cls"]), wrap_token_id(spec["sep"]));
  if (type == "BertProcessing") return std::make_unique<WrapProcessing>(wrap_token_id(spec["cls"]), wrap_token_id(spec["sep"]));
  if (type == "Sequence") {
    const JsonField list = spec["processors"];
    if (!list.is_array()) list.expected("an array of post-processors");
    std::vector<std::unique_ptr<PostProcessor>> steps;
    for (size_t i = 0; i < list.size(); ++i) steps.push_back(make_post_processor(list.at(i)));
    return std::make_unique<Sequence>(std::move(steps));
  }
  spec["type"].fail("unsupported post-processor type \"" + type +
                    "\" (supported: TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence)");
}

}  // namespace switchboard::local
