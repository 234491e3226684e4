#include "decoders.hpp"

#include "byte_level.hpp"
#include "pattern.hpp"
#include "unicode.hpp"

namespace switchboard::local {
namespace {

// Maps every character back to its byte and decodes all tokens' bytes together, lossily; a token
// holding a character outside the byte table contributes its own UTF-8 bytes unchanged.
class ByteLevel final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& token : tokens) {
      const size_t mark = bytes.size();
      for (size_t position = 0; position < token.size();) {
        const auto byte = byte_level::byte_for_char(unicode::next_code_point(token, position));
        if (!byte) {
          bytes.resize(mark);
          bytes += token;
          break;
        }
        bytes.push_back(static_cast<char>(*byte));
      }
    }
    tokens.assign(1, unicode::decode_utf8_lossy(bytes));
  }
};

// ▁ becomes a space, except that every ▁ of the first token is dropped unless prepend_scheme is
// "never" (Hugging Face drops them all, not only a leading one).
class Metaspace final : public Decoder {
 public:
  Metaspace(std::string replacement, bool drop_in_first) : replacement_(std::move(replacement)), drop_in_first_(drop_in_first) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    const Pattern marker = Pattern::literal(replacement_);
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = marker.replace_all(tokens[i], i == 0 && drop_in_first_ ? "" : " ");
    }
  }

 private:
  std::string replacement_;
  bool drop_in_first_;
};

// Runs of "<0xXX>" tokens become the text their bytes spell; an invalid run becomes one U+FFFD
// per byte.
class ByteFallback final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string run;
    const auto flush = [&] {
      if (run.empty()) return;
      if (unicode::first_invalid_utf8(run)) {
        for (size_t i = 0; i < run.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      } else {
        out.push_back(run);
      }
      run.clear();
    };
    for (std::string& token : tokens) {
      if (const auto byte = byte_fallback_value(token)) {
        run.push_back(static_cast<char>(*byte));
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }
  bool uses_byte_fallback() const override { return true; }
};

class Fuse final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

// Removes up to `start` leading and `stop` trailing copies of one character from each token.
class Strip final : public Decoder {
 public:
  Strip(std::string content, size_t start, size_t stop) : content_(std::move(content)), start_(start), stop_(stop) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      size_t begin = 0, end = token.size();
      for (size_t i = 0; i < start_ && begin < end && token.compare(begin, content_.size(), content_) == 0; ++i) {
        begin += content_.size();
      }
      for (size_t i = 0; i < stop_ && end - begin >= content_.size() &&
                         token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i) {
        end -= content_.size();
      }
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class Replace final : public Decoder {
 public:
  Replace(Pattern pattern, std::string content) : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) token = pattern_.replace_all(token, content_);
  }

 private:
  Pattern pattern_;
  std::string content_;
};

class Sequence final : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }
  bool uses_byte_fallback() const override {
    for (const auto& step : steps_) {
      if (step->uses_byte_fallback()) return true;
    }
    return false;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

size_t count_field(const JsonField& spec, std::string_view key) {
  const int64_t value = spec.integer_or(key, 0);
  if (value < 0) spec[key].expected("a count of zero or more");
  return static_cast<size_t>(value);
}

}  // namespace

std::optional<unsigned char> byte_fallback_value(std::string_view token) {
  if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>') return std::nullopt;
  int value = 0;
  for (const char c : token.substr(3, 2)) {
    value *= 16;
    if (c >= '0' && c <= '9') {
      value += c - '0';
    } else if (c >= 'A' && c <= 'F') {
      value += c - 'A' + 10;
    } else if (c >= 'a' && c <= 'f') {
      value += c - 'a' + 10;
    } else {
      return std::nullopt;
    }
  }
  return static_cast<unsigned char>(value);
}

std::unique_ptr<Decoder> make_decoder(const JsonField& spec) {
  const std::string type = spec["type"].string();
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "Metaspace") {
    bool drop_in_first = spec.boolean_or("add_prefix_space", true);
    if (const auto scheme = spec.optional("prepend_scheme")) drop_in_first = scheme->string() != "never";
    return std::make_unique<Metaspace>(spec["replacement"].string(), drop_in_first);
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Strip") {
    const std::string content = spec["content"].string();
    size_t end = 0;
    if (content.empty() || (unicode::next_code_point(content, end), end != content.size())) {
      spec["content"].expected("a single character");
    }
    return std::make_unique<Strip>(content, count_field(spec, "start"), count_field(spec, "stop"));
  }
  if (type == "Replace") return std::make_unique<Replace>(Pattern::from_json(spec["pattern"]), spec["content"].string());
  if (type == "Sequence") {
    const JsonField list = spec["decoders"];
    if (!list.is_array()) list.expected("an array of decoders");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (size_t i = 0; i < list.size(); ++i) steps.push_back(make_decoder(list.at(i)));
    return std::make_unique<Sequence>(std::move(steps));
  }
  spec["type"].fail("unsupported decoder type \"" + type +
                    "\" (supported: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, Sequence)");
}

}  // namespace switchboard::local
