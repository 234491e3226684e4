#include "tokenizer.hpp"

#include <malloc.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "decoders.hpp"
#include "json_field.hpp"
#include "models/bpe.hpp"
#include "normalizers.hpp"
#include "post_processors.hpp"
#include "pre_tokenizers.hpp"
#include "unicode.hpp"

namespace switchboard::local {
namespace {

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(ErrorCategory::not_found, path.string() + ": cannot open the file");
  std::stringstream contents;
  contents << file.rdbuf();
  try {
    return nlohmann::json::parse(contents.str());
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(ErrorCategory::model_format, path.string() + ": not valid JSON: " + error.what());
  }
}

// tokenizer_config.json writes a special token as "text", as {"content": "text", ...}, or null.
std::optional<int32_t> config_token(const JsonField& config, std::string_view key, const Tokenizer& tokenizer) {
  const auto field = config.optional(key);
  if (!field) return std::nullopt;
  const JsonField content = field->is_object() ? (*field)["content"] : *field;
  const std::string text = content.string();
  const auto id = tokenizer.token_to_id(text);
  if (!id) content.fail("token \"" + text + "\" is neither in the vocabulary nor an added token");
  return id;
}

}  // namespace

Tokenizer::Tokenizer() = default;
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_file(const std::filesystem::path& tokenizer_json) {
  Tokenizer result = [&] {
    const nlohmann::json tokenizer = read_json_file(tokenizer_json);
    const auto config_path = tokenizer_json.parent_path() / "tokenizer_config.json";
    if (std::filesystem::exists(config_path)) {
      const nlohmann::json config = read_json_file(config_path);
      return from_json(tokenizer, &config, tokenizer_json.string());
    }
    return from_json(tokenizer, nullptr, tokenizer_json.string());
  }();
  // A large vocabulary's JSON tree takes several times the file's size; hand those pages back
  // now rather than let them count in the process's footprint beside the weights.
  malloc_trim(0);
  return result;
}

Tokenizer Tokenizer::from_json(const nlohmann::json& json, const nlohmann::json* config, const std::string& origin) {
  const JsonField root(json, origin, "");
  if (!root.is_object()) root.expected("a tokenizer.json object");
  Tokenizer tokenizer;

  const JsonField model = root["model"];
  // Files from older versions of the library may leave out the type of a BPE model.
  if (const auto model_type = model.optional("type")) {
    const std::string type = model_type->string();
    if (type != "BPE") model_type->fail("unsupported model type \"" + type + "\" (supported: BPE)");
  } else if (!model.optional("merges")) {
    model.fail("no \"type\", and no \"merges\" that would make it a BPE model (the only type supported)");
  }
  tokenizer.model_ = BpeModel::from_json(model);

  if (const auto spec = root.optional("normalizer")) tokenizer.normalizer_ = make_normalizer(*spec);
  if (const auto spec = root.optional("pre_tokenizer")) tokenizer.pre_tokenizer_ = make_pre_tokenizer(*spec);
  if (const auto spec = root.optional("post_processor")) tokenizer.post_processor_ = make_post_processor(*spec);
  if (const auto spec = root.optional("decoder")) tokenizer.decoder_ = make_decoder(*spec);

  std::vector<AddedToken> raw, normalized;
  std::vector<std::string> raw_patterns, normalized_patterns;
  if (const auto list = root.optional("added_tokens")) {
    if (!list->is_array()) list->expected("an array of added tokens");
    for (size_t i = 0; i < list->size(); ++i) {
      AddedToken token = parse_added_token(list->at(i));
      // Like Hugging Face, a token that is also in the model's vocabulary keeps the model's id.
      if (const auto model_id = tokenizer.model_->token_to_id(token.content)) token.id = *model_id;
      tokenizer.added_tokens_.push_back(token);
      if (token.normalized) {
        normalized_patterns.push_back(tokenizer.normalizer_ ? tokenizer.normalizer_->normalize(token.content) : token.content);
        normalized.push_back(std::move(token));
      } else {
        raw_patterns.push_back(token.content);
        raw.push_back(std::move(token));
      }
    }
  }
  tokenizer.raw_matcher_ = std::make_unique<AddedTokenMatcher>(std::move(raw), std::move(raw_patterns));
  tokenizer.normalized_matcher_ = std::make_unique<AddedTokenMatcher>(std::move(normalized), std::move(normalized_patterns));
  int32_t highest = -1;
  for (const AddedToken& token : tokenizer.added_tokens_) highest = std::max(highest, token.id);
  tokenizer.added_token_index_.assign(static_cast<size_t>(highest + 1), -1);
  for (size_t i = 0; i < tokenizer.added_tokens_.size(); ++i) {
    tokenizer.added_token_index_[tokenizer.added_tokens_[i].id] = static_cast<int32_t>(i);
  }

  if (const auto unk = tokenizer.model_->unk_token()) tokenizer.special_tokens_.unk = tokenizer.token_to_id(*unk);
  if (config != nullptr) {
    const std::filesystem::path config_name = std::filesystem::path(origin).parent_path() / "tokenizer_config.json";
    const JsonField settings(*config, config_name.string(), "");
    if (!settings.is_object()) settings.expected("a tokenizer_config.json object");
    SpecialTokens& special = tokenizer.special_tokens_;
    special.bos = config_token(settings, "bos_token", tokenizer);
    special.eos = config_token(settings, "eos_token", tokenizer);
    if (const auto unk = config_token(settings, "unk_token", tokenizer)) special.unk = unk;
    special.pad = config_token(settings, "pad_token", tokenizer);
    if (const auto flag = settings.optional("add_bos_token")) special.add_bos = flag->boolean();
    if (const auto flag = settings.optional("add_eos_token")) special.add_eos = flag->boolean();
  }
  return tokenizer;
}

void Tokenizer::encode_text(std::string_view text, bool at_start, std::vector<int32_t>& ids) const {
  if (text.empty()) return;
  if (!pre_tokenizer_) {
    model_->tokenize(text, ids);
    return;
  }
  std::vector<Piece> pieces{Piece{std::string(text), at_start}};
  pre_tokenizer_->pre_tokenize(pieces);
  for (const Piece& piece : pieces) model_->tokenize(piece.text, ids);
}

// Hugging Face's order: cut out non-normalized added tokens, normalize each remaining part, cut
// out normalized added tokens, then pre-tokenize and run the model on what is left.
std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  if (const auto bad = unicode::first_invalid_utf8(text)) {
    throw Error(ErrorCategory::invalid_request,
                "tokenizer: the text to encode is not valid UTF-8 (malformed byte at offset " + std::to_string(*bad) + ")");
  }
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 4);
  for (const TextSegment& raw : raw_matcher_->split(text)) {
    if (raw.token) {
      ids.push_back(*raw.token);
      continue;
    }
    const std::string_view part = text.substr(raw.begin, raw.end - raw.begin);
    const std::string normalized = normalizer_ ? normalizer_->normalize(std::string(part)) : std::string(part);
    for (const TextSegment& segment : normalized_matcher_->split(normalized)) {
      if (segment.token) {
        ids.push_back(*segment.token);
      } else {
        encode_text(std::string_view(normalized).substr(segment.begin, segment.end - segment.begin),
                    raw.begin == 0 && segment.begin == 0, ids);
      }
    }
  }
  return post_processor_ ? post_processor_->process(std::move(ids), add_special_tokens) : ids;
}

std::optional<std::string_view> Tokenizer::token_text(int32_t id) const {
  if (id >= 0 && static_cast<size_t>(id) < added_token_index_.size() && added_token_index_[id] >= 0) {
    return added_tokens_[added_token_index_[id]].content;
  }
  return model_->id_to_token(id);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const int32_t id : ids) {
    const auto text = token_text(id);
    if (!text || (skip_special_tokens && is_special(id))) continue;
    tokens.emplace_back(*text);
  }
  std::string out;
  if (decoder_) {
    decoder_->decode_chain(tokens);
    for (const std::string& token : tokens) out += token;
  } else {
    // Without a decoder Hugging Face joins the tokens with spaces.
    for (size_t i = 0; i < tokens.size(); ++i) out += (i == 0 ? "" : " ") + tokens[i];
  }
  return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  for (const AddedToken& added : added_tokens_) {
    if (added.content == token) return added.id;
  }
  return model_->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int32_t id) const {
  const auto text = token_text(id);
  if (!text) return std::nullopt;
  return std::string(*text);
}

size_t Tokenizer::vocab_size() const { return std::max(model_->id_limit(), added_token_index_.size()); }

bool Tokenizer::is_special(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < added_token_index_.size() && added_token_index_[id] >= 0 &&
         added_tokens_[added_token_index_[id]].special;
}

bool Tokenizer::is_byte_token(int32_t id) const {
  if (!decoder_ || !decoder_->uses_byte_fallback()) return false;
  const auto text = token_text(id);
  return text && byte_fallback_value(*text).has_value();
}

}  // namespace switchboard::local
