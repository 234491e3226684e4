// The YAML model catalog. A CatalogReader walks the file (and the files it includes),
// collecting every problem it finds instead of stopping at the first, and throws them all
// together as one CatalogError: a user fixing a catalog sees the whole list at once.

#include "switchboard/catalog.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string_view>
#include <utility>

#include "did_you_mean.hpp"
#include "install_paths.hpp"

namespace switchboard {

namespace fs = std::filesystem;
using nlohmann::json;

std::string SourceLocation::to_string() const {
  std::string text = file.string();
  if (line > 0) {
    text += ':' + std::to_string(line);
    if (column > 0) text += ':' + std::to_string(column);
  }
  return text;
}

std::string CatalogIssue::to_string() const {
  std::string text = where.to_string() + ": ";
  if (!field.empty()) text += field + ": ";
  return text + message;
}

namespace {

std::string join_issues(const std::vector<CatalogIssue>& issues) {
  if (issues.empty()) return "invalid catalog";
  std::string text;
  for (const CatalogIssue& issue : issues) {
    if (!text.empty()) text += '\n';
    text += issue.to_string();
  }
  return text;
}

}  // namespace

CatalogError::CatalogError(std::vector<CatalogIssue> issues)
    : Error(ErrorCategory::config, join_issues(issues)), issues_(std::move(issues)) {}

namespace {

// In the order users most likely meant them, since did-you-mean ties go to the first.
const std::vector<std::string> kTopLevelKeys = {"models", "providers", "default", "include",
                                                "plugin_paths", "hub"};
const std::vector<std::string> kHubKeys = {"endpoint", "token", "cache", "max_parallel_downloads",
                                           "patterns"};
const std::vector<std::string> kModelKeys = {"provider",    "path",     "source",  "remote_name",
                                             "context",     "defaults", "stop",    "aliases",
                                             "description", "options",  "quantize",
                                             "keep_alive"};
const std::vector<std::string> kDefaultsKeys = {
    "max_tokens",         "temperature",      "top_p",
    "top_k",              "min_p",            "repetition_penalty",
    "presence_penalty",   "frequency_penalty", "seed",
    "stop"};

std::string join_names(const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::string child_field(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string element_field(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// What a node is, for "expected X, got Y" messages.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a map";
    default: return "nothing";
  }
}

// ---- Reading numbers out of scalar text: the whole text must be the number. ----

std::optional<long long> parse_integer(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  if (text.starts_with('-')) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Finite decimal numbers only: "inf" and "nan" mean nothing useful in a catalog.
std::optional<double> parse_number(std::string_view text) {
  if (text.starts_with('+')) text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// YAML 1.2 core schema shapes: [-+]?[0-9]+ for integers and
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? for floats.
bool looks_like_integer(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
  return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

bool looks_like_float(std::string_view text) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    return i - start;
  };
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  const std::size_t whole = digits();
  std::size_t fraction = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == text.size();
}

// An unquoted scalar as YAML's core schema types it; anything else stays a string.
json typed_plain_scalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return nullptr;
  }
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (looks_like_integer(text)) {
    if (const auto value = parse_integer(text)) return *value;
    if (const auto value = parse_unsigned(text)) return *value;  // beyond int64, e.g. a seed
  }
  if (looks_like_float(text) || looks_like_integer(text)) {
    if (const auto value = parse_number(text)) return *value;
  }
  return text;
}

bool is_variable_name(std::string_view name) {
  if (name.empty() || is_digit(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return c == '_' || is_digit(c) || std::isalpha(static_cast<unsigned char>(c)); });
}

// "hf:org/repo" or "hf:org/repo@revision": the forms the model store can download.
bool is_hub_source(std::string_view source) {
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  };
  auto is_name = [&](std::string_view part) {
    return !part.empty() && std::all_of(part.begin(), part.end(), is_name_char);
  };
  if (!source.starts_with("hf:")) return false;
  source.remove_prefix(3);
  const std::size_t at = source.find('@');
  if (at != std::string_view::npos) {
    // Revisions are branches, tags or commits; branches may hold slashes ("refs/pr/1").
    const std::string_view revision = source.substr(at + 1);
    const bool revision_ok =
        !revision.empty() && std::all_of(revision.begin(), revision.end(),
                                         [&](char c) { return is_name_char(c) || c == '/'; });
    if (!revision_ok) return false;
    source = source.substr(0, at);
  }
  const std::size_t slash = source.find('/');
  if (slash == std::string_view::npos) return false;
  return is_name(source.substr(0, slash)) && is_name(source.substr(slash + 1));
}

// "300ms", "30s", "5m", "2h", or a plain number of seconds.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  const auto number = parse_integer(text.substr(0, digits));
  const std::string_view unit = text.substr(digits);
  if (!number) return std::nullopt;
  if (unit.empty() || unit == "s") return std::chrono::seconds(*number);
  if (unit == "ms") return std::chrono::milliseconds(*number);
  if (unit == "m") return std::chrono::minutes(*number);
  if (unit == "h") return std::chrono::hours(*number);
  return std::nullopt;
}

bool read_text_file(const fs::path& file, std::string& text) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  text = buffer.str();
  return !in.bad();
}

// The key that identifies a file, so that two spellings of one path count as one file.
fs::path identity(const fs::path& absolute) {
  std::error_code error;
  fs::path canonical = fs::weakly_canonical(absolute, error);
  return error ? absolute : canonical;
}

// Suggests a near name, else lists what there is.
std::string unknown_name_hint(const std::string& name, const std::vector<std::string>& known,
                              const std::string& what) {
  if (known.empty()) return "; no " + what + " are defined";
  if (std::string hint = detail::did_you_mean(name, known); !hint.empty()) return hint;
  return "; defined " + what + ": " + join_names(known);
}

}  // namespace

// Reads one catalog, and every file it includes, into a Catalog.
class CatalogReader {
 public:
  Catalog read(const std::string& yaml, const fs::path& file) {
    const CatalogFile top{file, fs::absolute(file).lexically_normal()};
    catalog_.file_ = top.absolute;
    default_ = read_file_text(yaml, top);
    resolve_references();
    if (!issues_.empty()) throw CatalogError(std::move(issues_));
    return std::move(catalog_);
  }

 private:
  // A file as messages show it (as the user wrote it) and as the reader opens it.
  struct CatalogFile {
    fs::path shown;
    fs::path absolute;
  };
  struct OpenFile {
    fs::path id;  // see identity()
    fs::path shown;
  };
  struct Located {
    std::string text;
    SourceLocation where;
  };
  // A check that needs every file read first: names may be defined in a later include.
  struct PendingProvider {
    std::string model;
    Located provider;
  };
  struct PendingAliases {
    std::string model;
    std::vector<Located> aliases;
  };

  // ---- Issues and locations ----

  void issue(SourceLocation where, std::string field, std::string message) {
    issues_.push_back({std::move(where), std::move(field), std::move(message)});
  }

  SourceLocation at(const YAML::Node& node) const {
    const YAML::Mark mark = node.Mark();
    if (mark.is_null()) return {file_->shown, 0, 0};
    return {file_->shown, mark.line + 1, mark.column + 1};
  }
  // yaml-cpp places an empty value at the start of the next line; its key is where it is.
  SourceLocation at(const YAML::Node& value, const YAML::Node& key) const {
    return value.IsNull() ? at(key) : at(value);
  }

  fs::path base_dir() const { return file_->absolute.parent_path(); }

  fs::path absolute_path(const std::string& text) const {
    const fs::path path(text);
    fs::path absolute = (path.is_absolute() ? path : base_dir() / path).lexically_normal();
    // "dir/" and "." normalise with a trailing slash; drop it so equal folders compare equal.
    if (!absolute.has_filename() && absolute.has_relative_path()) absolute = absolute.parent_path();
    return absolute;
  }

  // ---- Files ----

  // Parses one file's text and reads its document; returns the default model it settles on.
  std::optional<Located> read_file_text(const std::string& yaml, const CatalogFile& file) {
    const CatalogFile* outer = file_;
    file_ = &file;
    include_stack_.push_back({identity(file.absolute), file.shown});
    loaded_.insert(identity(file.absolute));
    std::optional<Located> result;
    try {
      result = read_document(YAML::Load(yaml));
    } catch (const YAML::Exception& error) {  // syntax errors, and limits such as nesting depth
      issue({file.shown, error.mark.line + 1, error.mark.column + 1}, "",
            "YAML syntax error: " + error.msg);
    }
    include_stack_.pop_back();
    file_ = outer;
    return result;
  }

  std::optional<Located> read_include(const Located& include) {
    const fs::path written(include.text);
    const CatalogFile file{
        written.is_absolute() ? written : (file_->shown.parent_path() / written).lexically_normal(),
        absolute_path(include.text)};
    const fs::path id = identity(file.absolute);
    const auto open = std::find_if(include_stack_.begin(), include_stack_.end(),
                                   [&](const OpenFile& f) { return f.id == id; });
    if (open != include_stack_.end()) {
      std::string chain;
      for (auto it = open; it != include_stack_.end(); ++it) chain += it->shown.string() + " -> ";
      issue(include.where, "include", "include cycle: " + chain + file.shown.string());
      return std::nullopt;
    }
    if (loaded_.contains(id)) return std::nullopt;  // shared by two includes: read once
    std::error_code error;
    if (!fs::is_regular_file(file.absolute, error)) {
      issue(include.where, "include", "included file not found: " + file.absolute.string());
      return std::nullopt;
    }
    std::string text;
    if (!read_text_file(file.absolute, text)) {
      issue(include.where, "include", "cannot read included file " + file.absolute.string());
      return std::nullopt;
    }
    return read_file_text(text, file);
  }

  // ---- Generic readers: each reports what is wrong and returns nothing on failure ----

  // Visits a map's entries, reporting keys that are not strings or that are given twice.
  void for_each_entry(
      const YAML::Node& map, const std::string& field,
      const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& visit) {
    std::map<std::string, SourceLocation> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      // Copies: the iterator hands out a temporary pair.
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        issue(at(key), field, "expected a name as key, got " + describe(key));
        continue;
      }
      const std::string& name = key.Scalar();
      if (const auto first = seen.find(name); first != seen.end()) {
        issue(at(key), child_field(field, name),
              "'" + name + "' is given twice in this map; first at " + first->second.to_string());
        continue;
      }
      seen.emplace(name, at(key));
      visit(name, key, value);
    }
  }

  // Expands ${VAR}, ${VAR:-default} and $$ inside one scalar.
  std::optional<std::string> expand(const std::string& text, const SourceLocation& where,
                                    const std::string& field) {
    std::string out;
    bool ok = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] != '$') {
        out += text[i];
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '$') {
        out += '$';
        ++i;
        continue;
      }
      if (i + 1 >= text.size() || text[i + 1] != '{') {
        out += '$';  // a dollar not starting ${...} means itself, as in "costs $5"
        continue;
      }
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        issue(where, field, "unterminated '${' in '" + text + "'; expected ${NAME} or ${NAME:-default}");
        return std::nullopt;
      }
      const std::string body = text.substr(i + 2, close - i - 2);
      const std::size_t separator = body.find(":-");
      const std::string name = body.substr(0, separator);
      i = close;
      if (!is_variable_name(name)) {
        issue(where, field, "'${" + body + "}' does not name an environment variable; expected "
                            "${NAME} or ${NAME:-default}, NAME of letters, digits and '_'");
        ok = false;
        continue;
      }
      const char* value = std::getenv(name.c_str());
      if (separator != std::string::npos) {
        // As in the shell, an empty variable takes the default too.
        out += (value != nullptr && *value != '\0') ? std::string(value) : body.substr(separator + 2);
      } else if (value != nullptr) {
        out += value;
      } else {
        issue(where, field, "environment variable " + name + " is not set (write ${" + name +
                                ":-default} to give it a default)");
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  std::optional<std::string> read_string(const YAML::Node& value, const YAML::Node& key,
                                         const std::string& field) {
    if (!value.IsScalar()) {
      issue(at(value, key), field, "expected a string, got " + describe(value));
      return std::nullopt;
    }
    return expand(value.Scalar(), at(value), field);
  }

  std::optional<std::string> read_nonempty_string(const YAML::Node& value, const YAML::Node& key,
                                                  const std::string& field,
                                                  const std::string& expected) {
    auto text = read_string(value, key, field);
    if (text && text->empty()) {
      issue(at(value), field, "expected " + expected + ", got an empty string");
      return std::nullopt;
    }
    return text;
  }

  // A list of strings; a single string counts as a list of one.
  std::optional<std::vector<Located>> read_string_list(const YAML::Node& value,
                                                       const YAML::Node& key,
                                                       const std::string& field) {
    std::vector<Located> items;
    if (value.IsNull()) return items;
    if (value.IsScalar()) {
      auto text = expand(value.Scalar(), at(value), field);
      if (!text) return std::nullopt;
      items.push_back({std::move(*text), at(value)});
      return items;
    }
    if (!value.IsSequence()) {
      issue(at(value, key), field, "expected a list of strings, got " + describe(value));
      return std::nullopt;
    }
    bool ok = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
      const YAML::Node item = value[i];
      const std::string item_field = element_field(field, i);
      if (!item.IsScalar()) {
        issue(at(item, key), item_field, "expected a string, got " + describe(item));
        ok = false;
      } else if (auto text = expand(item.Scalar(), at(item), item_field)) {
        items.push_back({std::move(*text), at(item)});
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return items;
  }

  // The scalar's text after expansion, for numbers; names the variable's value in messages.
  std::optional<std::string> read_number_text(const YAML::Node& value, const YAML::Node& key,
                                              const std::string& field,
                                              const std::string& expected) {
    if (!value.IsScalar()) {
      issue(at(value, key), field, "expected " + expected + ", got " + describe(value));
      return std::nullopt;
    }
    return expand(value.Scalar(), at(value), field);
  }

  void report_bad_number(const YAML::Node& value, const std::string& field,
                         const std::string& expected, const std::string& text) {
    std::string got = "'" + text + "'";
    if (text != value.Scalar()) got += " (from '" + value.Scalar() + "')";
    issue(at(value), field, "expected " + expected + ", got " + got);
  }

  std::optional<long long> read_integer(const YAML::Node& value, const YAML::Node& key,
                                        const std::string& field, long long min, long long max,
                                        const std::string& expected) {
    const auto text = read_number_text(value, key, field, expected);
    if (!text) return std::nullopt;
    const auto number = parse_integer(*text);
    if (!number || *number < min || *number > max) {
      report_bad_number(value, field, expected, *text);
      return std::nullopt;
    }
    return number;
  }

  std::optional<std::uint64_t> read_unsigned(const YAML::Node& value, const YAML::Node& key,
                                             const std::string& field,
                                             const std::string& expected) {
    const auto text = read_number_text(value, key, field, expected);
    if (!text) return std::nullopt;
    const auto number = parse_unsigned(*text);
    if (!number) report_bad_number(value, field, expected, *text);
    return number;
  }

  std::optional<double> read_number(const YAML::Node& value, const YAML::Node& key,
                                    const std::string& field, const std::string& expected,
                                    const std::function<bool(double)>& in_range) {
    const auto text = read_number_text(value, key, field, expected);
    if (!text) return std::nullopt;
    const auto number = parse_number(*text);
    if (!number || !in_range(*number)) {
      report_bad_number(value, field, expected, *text);
      return std::nullopt;
    }
    return number;
  }

  // Any YAML value as JSON, for options a provider validates itself. Quoted scalars stay
  // strings; plain ones are typed after expansion, so "${PORT:-8080}" becomes 8080.
  json to_json(const YAML::Node& value, const YAML::Node& key, const std::string& field) {
    switch (value.Type()) {
      case YAML::NodeType::Scalar: {
        const auto text = expand(value.Scalar(), at(value), field);
        if (!text) return nullptr;
        const bool quoted = value.Tag() == "!" || value.Tag() == "tag:yaml.org,2002:str";
        return quoted ? json(*text) : typed_plain_scalar(*text);
      }
      case YAML::NodeType::Sequence: {
        json array = json::array();
        for (std::size_t i = 0; i < value.size(); ++i) {
          array.push_back(to_json(value[i], key, element_field(field, i)));
        }
        return array;
      }
      case YAML::NodeType::Map: {
        json object = json::object();
        for_each_entry(value, field, [&](const std::string& name, const YAML::Node& child_key,
                                         const YAML::Node& child) {
          object[name] = to_json(child, child_key, child_field(field, name));
        });
        return object;
      }
      default:
        return nullptr;
    }
  }

  // ---- The catalog's own structure ----

  std::optional<Located> read_document(const YAML::Node& root) {
    if (root.IsNull()) return std::nullopt;  // an empty file is an empty catalog
    if (!root.IsMap()) {
      issue(at(root), "", "expected a map of catalog keys (" + join_names(kTopLevelKeys) +
                              "), got " + describe(root));
      return std::nullopt;
    }
    // Includes come first so that this file's entries follow theirs, whatever the key order.
    std::vector<Located> included_defaults;
    SourceLocation include_where = at(root);
    for_each_entry(root, "", [&](const std::string& name, const YAML::Node& key,
                                 const YAML::Node& value) {
      if (name != "include") return;
      include_where = at(key);
      if (const auto includes = read_string_list(value, key, "include")) {
        for (const Located& include : *includes) {
          if (auto chosen = read_include(include)) included_defaults.push_back(std::move(*chosen));
        }
      }
    });

    std::optional<Located> own_default;
    for_each_entry(root, "", [&](const std::string& name, const YAML::Node& key,
                                 const YAML::Node& value) {
      if (name == "include") {
        return;
      } else if (name == "plugin_paths") {
        read_plugin_paths(value, key);
      } else if (name == "providers") {
        read_entries(value, key, "providers", &CatalogReader::read_provider);
      } else if (name == "models") {
        read_entries(value, key, "models", &CatalogReader::read_model);
      } else if (name == "hub") {
        read_hub(value, key);
      } else if (name == "default") {
        if (auto text = read_nonempty_string(value, key, "default", "a model name")) {
          own_default = Located{std::move(*text), at(value)};
        }
      } else {
        issue(at(key), name, "unknown key '" + name + "'" + detail::did_you_mean(name, kTopLevelKeys));
      }
    });
    if (own_default) return own_default;
    return settle_included_default(included_defaults, include_where);
  }

  // A file's own `default:` wins over its includes'; includes that disagree must be settled.
  std::optional<Located> settle_included_default(const std::vector<Located>& defaults,
                                                 const SourceLocation& include_where) {
    if (defaults.empty()) return std::nullopt;
    for (const Located& other : defaults) {
      if (other.text != defaults.front().text) {
        issue(include_where, "default",
              "included files set different defaults: '" + defaults.front().text + "' at " +
                  defaults.front().where.to_string() + " and '" + other.text + "' at " +
                  other.where.to_string() + "; set 'default' in this file to choose");
        return std::nullopt;
      }
    }
    return defaults.front();
  }

  void read_hub(const YAML::Node& value, const YAML::Node& key) {
    if (value.IsNull()) return;
    if (!value.IsMap()) {
      issue(at(value, key), "hub", "expected a map of hub settings (" + join_names(kHubKeys) + "), got " + describe(value));
      return;
    }
    if (hub_where_) {
      issue(at(key), "hub", "'hub' is given twice: at " + hub_where_->to_string() + " and at " + at(key).to_string());
      return;
    }
    hub_where_ = at(key);
    HubConfig& hub = catalog_.hub_;
    hub.where = at(key);
    for_each_entry(value, "hub", [&](const std::string& name, const YAML::Node& k, const YAML::Node& v) {
      const std::string field = child_field("hub", name);
      if (name == "endpoint") {
        if (auto text = read_nonempty_string(v, k, field, "a URL such as https://huggingface.co")) {
          if (text->starts_with("http://") || text->starts_with("https://")) {
            hub.endpoint = std::move(*text);
          } else {
            issue(at(v), field, "expected a URL starting with http:// or https://, got '" + *text + "'");
          }
        }
      } else if (name == "token") {
        // The value is a secret: messages about it never quote it.
        if (!v.IsScalar()) {
          issue(at(v, k), field, "expected a string (usually ${HF_TOKEN}), got " + describe(v));
        } else if (auto text = expand(v.Scalar(), at(v), field); text && !text->empty()) {
          hub.token = std::move(*text);
        }
      } else if (name == "cache") {
        if (auto text = read_nonempty_string(v, k, field, "a folder")) hub.cache = absolute_path(*text);
      } else if (name == "max_parallel_downloads") {
        if (auto n = read_integer(v, k, field, 1, 64, "an integer from 1 to 64")) {
          hub.max_parallel_downloads = static_cast<int>(*n);
        }
      } else if (name == "patterns") {
        if (auto patterns = read_string_list(v, k, field)) {
          for (Located& pattern : *patterns) hub.patterns.push_back(std::move(pattern.text));
        }
      } else {
        issue(at(k), field, "unknown key '" + name + "'" + detail::did_you_mean(name, kHubKeys));
      }
    });
  }

  void read_plugin_paths(const YAML::Node& value, const YAML::Node& key) {
    const auto paths = read_string_list(value, key, "plugin_paths");
    if (!paths) return;
    for (std::size_t i = 0; i < paths->size(); ++i) {
      const Located& path = (*paths)[i];
      if (path.text.empty()) {
        issue(path.where, element_field("plugin_paths", i), "expected a folder, got an empty string");
      } else {
        catalog_.plugin_paths_.push_back(absolute_path(path.text));
      }
    }
  }

  using EntryReader = void (CatalogReader::*)(const std::string&, const YAML::Node&,
                                              const YAML::Node&);

  void read_entries(const YAML::Node& value, const YAML::Node& key, const std::string& field,
                    EntryReader read_entry) {
    if (value.IsNull()) return;
    if (!value.IsMap()) {
      issue(at(value, key), field, "expected a map of names to entries, got " + describe(value));
      return;
    }
    for_each_entry(value, field, [&](const std::string& name, const YAML::Node& entry_key,
                                     const YAML::Node& entry) {
      (this->*read_entry)(name, entry_key, entry);
    });
  }

  // A name already defined, perhaps in another file, is reported with both places.
  template <class Entry>
  bool is_new_name(const std::map<std::string, Entry>& entries, const std::string& name,
                   const std::string& what, const SourceLocation& where, const std::string& field) {
    const auto existing = entries.find(name);
    if (existing == entries.end()) return true;
    issue(where, field, what + " '" + name + "' is defined twice: at " +
                            existing->second.where.to_string() + " and at " + where.to_string());
    return false;
  }

  void read_provider(const std::string& name, const YAML::Node& key, const YAML::Node& value) {
    const std::string field = "providers." + name;
    if (!value.IsMap()) {
      issue(at(value, key), field,
            "expected a map with a 'plugin' key and the provider's options, got " + describe(value));
      return;
    }
    ProviderEntry entry;
    entry.name = name;
    entry.base_dir = base_dir();
    entry.where = at(key);
    bool has_plugin = false;
    for_each_entry(value, field, [&](const std::string& option, const YAML::Node& option_key,
                                     const YAML::Node& option_value) {
      const std::string option_field = child_field(field, option);
      if (option == "plugin") {
        has_plugin = true;
        if (auto plugin = read_nonempty_string(option_value, option_key, option_field,
                                               "a plugin name (local, remote, mock, ...)")) {
          entry.plugin = std::move(*plugin);
        }
      } else {
        entry.options[option] = to_json(option_value, option_key, option_field);
      }
    });
    if (!has_plugin) {
      issue(entry.where, field + ".plugin",
            "missing 'plugin': the plugin that makes this provider (local, remote, mock, ...)");
    }
    if (is_new_name(catalog_.providers_, name, "provider", entry.where, field)) {
      catalog_.providers_.emplace(name, std::move(entry));
    }
  }

  void read_model(const std::string& name, const YAML::Node& key, const YAML::Node& value) {
    const std::string field = "models." + name;
    if (!value.IsMap()) {
      issue(at(value, key), field,
            "expected a map of model settings (provider, path, source, ...), got " + describe(value));
      return;
    }
    ModelEntry entry;
    entry.name = name;
    entry.base_dir = base_dir();
    entry.where = at(key);
    std::optional<Located> provider;
    std::vector<Located> aliases;
    std::vector<std::string> stop;
    bool has_provider = false;
    for_each_entry(value, field, [&](const std::string& setting, const YAML::Node& setting_key,
                                     const YAML::Node& setting_value) {
      const std::string setting_field = child_field(field, setting);
      const YAML::Node& v = setting_value;
      const YAML::Node& k = setting_key;
      if (setting == "provider") {
        has_provider = true;
        if (auto text = read_nonempty_string(v, k, setting_field, "a provider name")) {
          provider = Located{std::move(*text), at(v)};
        }
      } else if (setting == "path") {
        if (auto text = read_nonempty_string(v, k, setting_field, "a folder")) {
          entry.path = absolute_path(*text);
        }
      } else if (setting == "source") {
        if (auto text = read_string(v, k, setting_field)) {
          if (is_hub_source(*text)) {
            entry.source = std::move(*text);
          } else {
            issue(at(v), setting_field,
                  "expected \"hf:org/repo\" or \"hf:org/repo@revision\", got '" + *text + "'");
          }
        }
      } else if (setting == "remote_name") {
        if (auto text = read_nonempty_string(v, k, setting_field, "the model's name at the API")) {
          entry.remote_name = std::move(*text);
        }
      } else if (setting == "context") {
        if (auto tokens = read_integer(v, k, setting_field, 1, INT_MAX, "a positive integer")) {
          entry.context = static_cast<int>(*tokens);
        }
      } else if (setting == "defaults") {
        read_defaults(v, k, setting_field, entry.defaults);
      } else if (setting == "stop") {
        if (auto strings = read_string_list(v, k, setting_field)) {
          for (Located& s : *strings) stop.push_back(std::move(s.text));
        }
      } else if (setting == "aliases") {
        if (auto names = read_string_list(v, k, setting_field)) aliases = std::move(*names);
      } else if (setting == "quantize") {
        if (auto text = read_string(v, k, setting_field)) {
          if (*text == "q4" || *text == "q8" || *text == "none") {
            entry.quantize = std::move(*text);
          } else {
            issue(at(v), setting_field, "expected q4, q8 or none, got '" + *text + "'");
          }
        }
      } else if (setting == "keep_alive") {
        if (auto text = read_number_text(v, k, setting_field, "a duration such as 30s, 5m or 1h")) {
          if (auto duration = parse_duration(*text)) {
            entry.keep_alive = *duration;
          } else {
            report_bad_number(v, setting_field, "a duration such as 30s, 5m or 1h", *text);
          }
        }
      } else if (setting == "description") {
        if (auto text = read_string(v, k, setting_field)) entry.description = std::move(*text);
      } else if (setting == "options") {
        if (v.IsMap() || v.IsNull()) {
          if (v.IsMap()) entry.options = to_json(v, k, setting_field);
        } else {
          issue(at(v, k), setting_field, "expected a map of provider options, got " + describe(v));
        }
      } else {
        issue(at(k), setting_field, unknown_model_key_message(setting));
      }
    });
    // `stop` beside `defaults` is a shorthand for defaults.stop; both add up.
    for (std::string& s : stop) {
      if (std::find(entry.defaults.stop.begin(), entry.defaults.stop.end(), s) ==
          entry.defaults.stop.end()) {
        entry.defaults.stop.push_back(std::move(s));
      }
    }
    if (!has_provider) {
      issue(entry.where, field + ".provider",
            "missing 'provider': the name of a provider under 'providers'");
    }
    if (!is_new_name(catalog_.models_, name, "model", entry.where, field)) return;
    if (provider) {
      entry.provider = provider->text;
      pending_providers_.push_back({name, std::move(*provider)});
    }
    for (const Located& alias : aliases) {
      if (alias.text.empty()) issue(alias.where, field + ".aliases", "expected a name, got an empty string");
    }
    pending_aliases_.push_back({name, std::move(aliases)});
    catalog_.models_.emplace(name, std::move(entry));
  }

  static std::string unknown_model_key_message(const std::string& setting) {
    std::string message = "unknown key '" + setting + "'";
    const bool is_sampling_key =
        std::find(kDefaultsKeys.begin(), kDefaultsKeys.end(), setting) != kDefaultsKeys.end();
    if (is_sampling_key) return message + "; sampling settings go under 'defaults' (defaults." + setting + ")";
    return message + detail::did_you_mean(setting, kModelKeys);
  }

  void read_defaults(const YAML::Node& value, const YAML::Node& key, const std::string& field,
                     GenerationOptions& defaults) {
    if (value.IsNull()) return;
    if (!value.IsMap()) {
      issue(at(value, key), field, "expected a map of sampling settings, got " + describe(value));
      return;
    }
    for_each_entry(value, field, [&](const std::string& name, const YAML::Node& k,
                                     const YAML::Node& v) {
      const std::string f = child_field(field, name);
      if (name == "max_tokens") {
        if (auto n = read_integer(v, k, f, 1, INT_MAX, "a positive integer")) {
          defaults.max_tokens = static_cast<int>(*n);
        }
      } else if (name == "temperature") {
        defaults.temperature = read_number(v, k, f, "a number >= 0", [](double x) { return x >= 0; });
      } else if (name == "top_p") {
        defaults.top_p = read_number(v, k, f, "a number in (0, 1]",
                                     [](double x) { return x > 0 && x <= 1; });
      } else if (name == "top_k") {
        if (auto n = read_integer(v, k, f, 0, INT_MAX, "an integer >= 0 (0 turns it off)")) {
          defaults.top_k = static_cast<int>(*n);
        }
      } else if (name == "min_p") {
        defaults.min_p = read_number(v, k, f, "a number in [0, 1]",
                                     [](double x) { return x >= 0 && x <= 1; });
      } else if (name == "repetition_penalty") {
        defaults.repetition_penalty =
            read_number(v, k, f, "a number > 0", [](double x) { return x > 0; });
      } else if (name == "presence_penalty" || name == "frequency_penalty") {
        auto penalty = read_number(v, k, f, "a number in [-2, 2]",
                                   [](double x) { return x >= -2 && x <= 2; });
        (name == "presence_penalty" ? defaults.presence_penalty : defaults.frequency_penalty) = penalty;
      } else if (name == "seed") {
        defaults.seed = read_unsigned(v, k, f, "a non-negative integer");
      } else if (name == "stop") {
        if (auto strings = read_string_list(v, k, f)) {
          for (Located& s : *strings) defaults.stop.push_back(std::move(s.text));
        }
      } else {
        issue(at(k), f, "unknown key '" + name + "'" + detail::did_you_mean(name, kDefaultsKeys));
      }
    });
  }

  // ---- Checks across files, once everything is read ----

  std::vector<std::string> model_and_alias_names() const {
    std::vector<std::string> names;
    for (const auto& [name, entry] : catalog_.models_) names.push_back(name);
    for (const auto& [alias, model] : catalog_.aliases_) names.push_back(alias);
    return names;
  }

  void resolve_references() {
    std::vector<std::string> provider_names;
    for (const auto& [name, entry] : catalog_.providers_) provider_names.push_back(name);
    for (const PendingProvider& pending : pending_providers_) {
      const std::string& provider = pending.provider.text;
      if (!catalog_.providers_.contains(provider)) {
        issue(pending.provider.where, "models." + pending.model + ".provider",
              "unknown provider '" + provider + "'" +
                  unknown_name_hint(provider, provider_names, "providers"));
      }
    }

    std::map<std::string, SourceLocation> alias_where;
    for (const PendingAliases& pending : pending_aliases_) {
      ModelEntry& model = catalog_.models_.at(pending.model);
      for (const Located& alias : pending.aliases) {
        if (alias.text.empty()) continue;  // reported when read
        const std::string field = "models." + pending.model + ".aliases";
        if (const auto clash = catalog_.models_.find(alias.text); clash != catalog_.models_.end()) {
          issue(alias.where, field, "alias '" + alias.text + "' clashes with the model of that name at " +
                                        clash->second.where.to_string());
        } else if (const auto taken = catalog_.aliases_.find(alias.text);
                   taken != catalog_.aliases_.end()) {
          issue(alias.where, field, "alias '" + alias.text + "' is already an alias of model '" +
                                        taken->second + "' at " + alias_where.at(alias.text).to_string());
        } else {
          catalog_.aliases_.emplace(alias.text, pending.model);
          alias_where.emplace(alias.text, alias.where);
          model.aliases.push_back(alias.text);
        }
      }
    }

    for (auto& [name, model] : catalog_.models_) model.hub = catalog_.hub_;

    if (default_) {
      const std::string& name = default_->text;
      if (catalog_.models_.contains(name)) {
        catalog_.default_model_ = name;
      } else if (const auto alias = catalog_.aliases_.find(name); alias != catalog_.aliases_.end()) {
        catalog_.default_model_ = alias->second;
      } else {
        issue(default_->where, "default",
              "unknown model '" + name + "'" + unknown_name_hint(name, model_and_alias_names(), "models"));
      }
    } else if (catalog_.models_.size() == 1) {
      catalog_.default_model_ = catalog_.models_.begin()->first;
    }
  }

  Catalog catalog_;
  std::vector<CatalogIssue> issues_;
  const CatalogFile* file_ = nullptr;  // the file being read
  std::vector<OpenFile> include_stack_;  // the file being read and those including it
  std::set<fs::path> loaded_;
  std::vector<PendingProvider> pending_providers_;
  std::vector<PendingAliases> pending_aliases_;
  std::optional<Located> default_;  // the top file's settled `default:`
  std::optional<SourceLocation> hub_where_;  // where `hub:` was read, to refuse a second one
};

Catalog Catalog::load(const fs::path& file) {
  std::error_code error;
  if (!fs::exists(file, error)) {
    throw Error(ErrorCategory::not_found, "catalog file not found: " + file.string());
  }
  std::string text;
  if (fs::is_directory(file, error) || !read_text_file(file, text)) {
    throw Error(ErrorCategory::config, "cannot read catalog file " + file.string());
  }
  return parse(text, file);
}

Catalog Catalog::parse(const std::string& yaml, const fs::path& file) {
  return CatalogReader().read(yaml, file);
}

fs::path Catalog::default_path() {
  if (const char* chosen = std::getenv("SWITCHBOARD_CATALOG"); chosen != nullptr && *chosen != '\0') {
    return chosen;
  }
  const fs::path installed = detail::installed_share_dir() / "default.yaml";
  std::error_code error;
  if (fs::exists(installed, error)) return installed;
  return detail::source_dir() / "registry" / "default.yaml";
}

const ModelEntry& Catalog::model(const std::string& name_or_alias) const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : models_) names.push_back(name);
  if (name_or_alias.empty()) {
    if (default_model_.empty()) {
      throw Error(ErrorCategory::not_found,
                  "no model was named and catalog " + file_.string() +
                      " sets no default (add 'default: <model>')" +
                      (names.empty() ? "; it defines no models" : "; its models: " + join_names(names)));
    }
    return models_.at(default_model_);
  }
  if (const auto found = models_.find(name_or_alias); found != models_.end()) return found->second;
  if (const auto alias = aliases_.find(name_or_alias); alias != aliases_.end()) {
    return models_.at(alias->second);
  }
  for (const auto& [alias, model] : aliases_) names.push_back(alias);
  throw Error(ErrorCategory::not_found, "unknown model '" + name_or_alias + "' in catalog " +
                                            file_.string() +
                                            unknown_name_hint(name_or_alias, names, "models"));
}

}  // namespace switchboard
