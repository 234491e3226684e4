// Fuzzes Tokenizer::from_json with real tokenizer.json files changed in a few places.
//
// Arbitrary bytes rarely form a tokenizer.json that gets past the first checks, so this target
// starts from the small llama (byte-level BPE) and mistral (SentencePiece-style BPE) fixtures and
// reads the input as an edit script: which fixture, then edits, each of which picks one node of
// the document and deletes it, or replaces it with a value of another type, an extreme number,
// a string taken from the input, or a copy of another node. That reaches the checks deep inside
// the model, normalizer, pre-tokenizer, post-processor, decoder and added tokens.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "fuzz_support.hpp"
#include "tokenizer.hpp"

namespace {

using nlohmann::json;

struct Base {
  json document;
  // Every node worth editing. Of the vocabulary and the merges only the first entries are kept,
  // so that edits land on the structure rather than almost always on one of a thousand tokens.
  std::vector<json::json_pointer> nodes;
};

void collect(const json& node, const json::json_pointer& at, std::vector<json::json_pointer>& out) {
  out.push_back(at);
  const bool bulky = at == json::json_pointer("/model/vocab") || at == json::json_pointer("/model/merges");
  size_t seen = 0;
  if (node.is_object()) {
    for (const auto& [key, child] : node.items()) {
      if (bulky && ++seen > 8) break;
      collect(child, at / key, out);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (bulky && ++seen > 8) break;
      collect(node[i], at / i, out);
    }
  }
}

Base load(const char* relative) {
  Base base{json::parse(switchboard::fuzz::read_file(switchboard::fuzz::test_data(relative))), {}};
  collect(base.document, json::json_pointer(), base.nodes);
  return base;
}

// Reads the input front to back; past the end every read gives zero.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return position_ >= size_; }
  uint8_t byte() { return position_ < size_ ? data_[position_++] : 0; }
  uint32_t u32() {
    uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value = value << 8 | byte();
    return value;
  }
  std::string text() {
    const size_t length = std::min<size_t>(byte(), size_ - std::min(position_, size_));
    std::string out(reinterpret_cast<const char*>(data_ + position_), length);
    position_ += length;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t position_ = 0;
};

json replacement(Reader& in, const Base& base, const json& document) {
  switch (in.byte() % 12) {
    case 0: return nullptr;
    case 1: return in.byte() % 2 == 0;
    case 2: return static_cast<int32_t>(in.u32());
    case 3: return static_cast<int64_t>(in.u32()) << 32 | in.u32();
    case 4: return std::numeric_limits<int64_t>::min();
    case 5: return -1;
    case 6: return static_cast<double>(static_cast<int32_t>(in.u32())) / 7.0;
    case 7: return in.text();
    case 8: return json::object();
    case 9: return json::array();
    case 10: return json::array({in.text(), in.text()});
    default: {
      const json::json_pointer& source = base.nodes[in.u32() % base.nodes.size()];
      return document.contains(source) ? document.at(source) : json();
    }
  }
}

void apply_edit(Reader& in, const Base& base, json& document) {
  const json::json_pointer& target = base.nodes[in.u32() % base.nodes.size()];
  if (!document.contains(target)) return;  // an earlier edit removed it
  const bool remove = in.byte() % 4 == 0;
  if (remove && !target.empty()) {
    json& parent = document.at(target.parent_pointer());
    if (parent.is_object()) {
      parent.erase(target.back());
    } else if (parent.is_array()) {
      const size_t index = std::stoul(target.back());
      if (index < parent.size()) parent.erase(index);
    }
    return;
  }
  document.at(target) = replacement(in, base, document);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Base bases[] = {load("fixtures/models/llama/tokenizer.json"),
                               load("fixtures/models/mistral/tokenizer.json")};
  Reader in(data, size);
  const Base& base = bases[in.byte() % 2];
  json document = base.document;
  for (int edits = 1 + in.byte() % 4; edits > 0 && !in.empty(); --edits) apply_edit(in, base, document);
  const std::string text = in.text();

  try {
    const auto tokenizer = switchboard::local::Tokenizer::from_json(document, nullptr, "fuzz/tokenizer.json");
    for (const std::string_view sample : {std::string_view("Hello world! ça va? 123\n <s>"), std::string_view(text)}) {
      try {
        const std::vector<int32_t> ids = tokenizer.encode(sample, true);
        tokenizer.decode(ids, false);
        tokenizer.decode(ids, true);
      } catch (const switchboard::Error&) {
      }
    }
  } catch (const switchboard::Error&) {
  }
  return 0;
}
