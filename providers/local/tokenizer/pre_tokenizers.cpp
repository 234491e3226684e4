#include "pre_tokenizers.hpp"

#include <algorithm>

#include "byte_level.hpp"
#include "pattern.hpp"
#include "regex.hpp"
#include "unicode.hpp"

namespace switchboard::local {
namespace {

struct Segment {
  size_t start, end;
  bool is_match;
};

// Match and gap segments covering the whole text, as Hugging Face's Pattern::find_matches.
std::vector<Segment> segments_of(size_t length, const std::vector<std::pair<size_t, size_t>>& matches, bool invert) {
  std::vector<Segment> segments;
  size_t previous = 0;
  for (const auto& [start, end] : matches) {
    if (previous != start) segments.push_back({previous, start, invert});
    segments.push_back({start, end, !invert});
    previous = end;
  }
  if (previous != length || length == 0) segments.push_back({previous, length, invert});
  return segments;
}

// Each entry of the result is a range to keep.
std::vector<std::pair<size_t, size_t>> apply_behavior(const std::vector<Segment>& segments, SplitBehavior behavior) {
  std::vector<std::pair<size_t, size_t>> kept;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::isolated:
      for (const auto& segment : segments) kept.emplace_back(segment.start, segment.end);
      break;
    case SplitBehavior::removed:
      for (const auto& segment : segments) {
        if (!segment.is_match) kept.emplace_back(segment.start, segment.end);
      }
      break;
    case SplitBehavior::merged_with_previous:
      for (const auto& segment : segments) {
        if (segment.is_match && !previous_match && !kept.empty()) {
          kept.back().second = segment.end;
        } else {
          kept.emplace_back(segment.start, segment.end);
        }
        previous_match = segment.is_match;
      }
      break;
    case SplitBehavior::merged_with_next:
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !kept.empty()) {
          kept.back().first = it->start;
        } else {
          kept.emplace_back(it->start, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(kept.begin(), kept.end());
      break;
    case SplitBehavior::contiguous:
      for (size_t i = 0; i < segments.size(); ++i) {
        if (i > 0 && segments[i].is_match == previous_match) {
          kept.back().second = segments[i].end;
        } else {
          kept.emplace_back(segments[i].start, segments[i].end);
        }
        previous_match = segments[i].is_match;
      }
      break;
  }
  return kept;
}

SplitBehavior parse_behavior(const JsonField& field) {
  const std::string name = field.string();
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  field.expected("one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

// Runs `split_one` on every piece and keeps the non-empty results in order.
template <typename SplitOne>
void split_each(std::vector<Piece>& pieces, SplitOne split_one) {
  std::vector<Piece> out;
  out.reserve(pieces.size());
  for (const Piece& piece : pieces) split_one(piece, out);
  pieces = std::move(out);
}

class Split final : public PreTokenizer {
 public:
  Split(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [this](const Piece& piece, std::vector<Piece>& out) {
      split_piece(piece, pattern_.find_all(piece.text), behavior_, invert_, out);
    });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

// GPT-2's pre-tokenization regex, which ByteLevel applies when use_regex is true.
const Regex& gpt2_regex() {
  static const Regex regex(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)");
  return regex;
}

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [this](const Piece& piece, std::vector<Piece>& out) {
      Piece spaced{add_prefix_space_ && piece.text.front() != ' ' ? " " + piece.text : piece.text, piece.at_start};
      const size_t first = out.size();
      if (use_regex_) {
        split_piece(spaced, gpt2_regex().find_all(spaced.text), SplitBehavior::isolated, false, out);
      } else {
        out.push_back(std::move(spaced));
      }
      for (size_t i = first; i < out.size(); ++i) {
        std::string mapped;
        mapped.reserve(out[i].text.size() * 2);
        byte_level::encode(out[i].text, mapped);
        out[i].text = std::move(mapped);
      }
    });
  }

 private:
  bool add_prefix_space_, use_regex_;
};

enum class PrependScheme { always, first, never };

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split)
      : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    const Pattern space = Pattern::literal(" ");
    const Pattern marker = Pattern::literal(replacement_);
    split_each(pieces, [&](const Piece& piece, std::vector<Piece>& out) {
      Piece replaced{space.replace_all(piece.text, replacement_), piece.at_start};
      const bool starts_with_marker = replaced.text.rfind(replacement_, 0) == 0;
      if (!starts_with_marker && (scheme_ == PrependScheme::always || (scheme_ == PrependScheme::first && piece.at_start))) {
        replaced.text.insert(0, replacement_);
      }
      if (split_) {
        split_piece(replaced, marker.find_all(replaced.text), SplitBehavior::merged_with_next, false, out);
      } else {
        out.push_back(std::move(replaced));
      }
    });
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
};

// Splits at every character a regex class matches (Digits, Punctuation).
class CharacterClassSplit final : public PreTokenizer {
 public:
  CharacterClassSplit(const char* character_class, SplitBehavior behavior)
      : regex_(character_class), behavior_(behavior) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [this](const Piece& piece, std::vector<Piece>& out) {
      split_piece(piece, regex_.find_all(piece.text), behavior_, false, out);
    });
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
};

// Rust's char::is_numeric is true for Nd, Nl and No, as \p{N}; each character matches alone.
constexpr const char* kNumeric = R"(\p{N})";
// Rust's is_ascii_punctuation (which includes the ASCII symbols) or Unicode's P categories.
constexpr const char* kPunctuation = R"([\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}])";

class WhitespaceSplit final : public PreTokenizer {
 public:
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    split_each(pieces, [](const Piece& piece, std::vector<Piece>& out) {
      std::vector<std::pair<size_t, size_t>> spaces;
      for (size_t position = 0; position < piece.text.size();) {
        const size_t start = position;
        if (unicode::is_whitespace(unicode::next_code_point(piece.text, position))) spaces.emplace_back(start, position);
      }
      split_piece(piece, spaces, SplitBehavior::removed, false, out);
    });
  }
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& step : steps_) step->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

PrependScheme parse_prepend_scheme(const JsonField& spec) {
  if (const auto scheme = spec.optional("prepend_scheme")) {
    const std::string name = scheme->string();
    if (name == "always") return PrependScheme::always;
    if (name == "first") return PrependScheme::first;
    if (name == "never") return PrependScheme::never;
    scheme->expected("one of always, first, never");
  }
  // Files written before prepend_scheme existed say add_prefix_space instead.
  return spec.boolean_or("add_prefix_space", true) ? PrependScheme::always : PrependScheme::never;
}

}  // namespace

void split_piece(const Piece& piece, const std::vector<std::pair<size_t, size_t>>& matches, SplitBehavior behavior,
                 bool invert, std::vector<Piece>& out) {
  for (const auto& [start, end] : apply_behavior(segments_of(piece.text.size(), matches, invert), behavior)) {
    if (end > start) out.push_back({piece.text.substr(start, end - start), piece.at_start && start == 0});
  }
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const JsonField& spec) {
  const std::string type = spec["type"].string();
  if (type == "Split") {
    return std::make_unique<Split>(Pattern::from_json(spec["pattern"]), parse_behavior(spec["behavior"]),
                                   spec.boolean_or("invert", false));
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>(spec.boolean_or("add_prefix_space", true), spec.boolean_or("use_regex", true));
  }
  if (type == "Metaspace") {
    const std::string replacement = spec["replacement"].string();
    size_t position = 0;
    if (replacement.empty() || (unicode::next_code_point(replacement, position), position != replacement.size())) {
      spec["replacement"].expected("a single character");
    }
    return std::make_unique<Metaspace>(replacement, parse_prepend_scheme(spec), spec.boolean_or("split", true));
  }
  if (type == "Digits") {
    return std::make_unique<CharacterClassSplit>(
        kNumeric, spec.boolean_or("individual_digits", false) ? SplitBehavior::isolated : SplitBehavior::contiguous);
  }
  if (type == "Punctuation") {
    const auto behavior = spec.optional("behavior");
    return std::make_unique<CharacterClassSplit>(kPunctuation, behavior ? parse_behavior(*behavior) : SplitBehavior::isolated);
  }
  if (type == "Whitespace") {
    // Keeps the runs of word characters and the runs of other non-space characters.
    return std::make_unique<Split>(Pattern::regex(R"(\w+|[^\w\s]+)"), SplitBehavior::removed, true);
  }
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplit>();
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    steps.push_back(std::make_unique<WhitespaceSplit>());
    steps.push_back(std::make_unique<CharacterClassSplit>(kPunctuation, SplitBehavior::isolated));
    return std::make_unique<Sequence>(std::move(steps));
  }
  if (type == "Sequence") {
    const JsonField list = spec["pretokenizers"];
    if (!list.is_array()) list.expected("an array of pre-tokenizers");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (size_t i = 0; i < list.size(); ++i) steps.push_back(make_pre_tokenizer(list.at(i)));
    return std::make_unique<Sequence>(std::move(steps));
  }
  spec["type"].fail("unsupported pre-tokenizer type \"" + type +
                    "\" (supported: Split, ByteLevel, Metaspace, Digits, Punctuation, Whitespace, WhitespaceSplit, "
                    "BertPreTokenizer, Sequence)");
}

}  // namespace switchboard::local
