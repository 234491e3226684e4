// HubReference (the "hf:org/repo@revision" text) and HubSettings (catalog over environment).

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "switchboard/error.hpp"
#include "switchboard/model_store.hpp"

namespace switchboard {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// A repository or organisation name: it becomes part of a folder name, so no "." or "..".
bool is_name(std::string_view part) {
  return !part.empty() && part != "." && part != ".." && part.find("..") == std::string_view::npos &&
         std::all_of(part.begin(), part.end(), is_name_char);
}

// Branches may hold slashes ("refs/pr/1"); the revision becomes refs/<revision> in the cache.
bool is_revision(std::string_view revision) {
  if (revision.empty() || revision.front() == '/' || revision.back() == '/') return false;
  if (revision.find("..") != std::string_view::npos || revision.find("//") != std::string_view::npos) return false;
  return std::all_of(revision.begin(), revision.end(), [](char c) { return is_name_char(c) || c == '/'; });
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool is_true(std::string value) {
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  return value == "1" || value == "true" || value == "yes" || value == "on";
}

}  // namespace

HubReference HubReference::parse(std::string_view text) {
  const std::string shown(text);
  auto fail = [&](const std::string& why) -> HubReference {
    throw Error(ErrorCategory::config, "'" + shown + "' is not a hub reference: " + why +
                                           " (expected hf:org/repo or hf:org/repo@revision)");
  };
  if (!text.starts_with("hf:")) return fail("it does not start with 'hf:'");
  text.remove_prefix(3);
  HubReference reference;
  if (const std::size_t at = text.find('@'); at != std::string_view::npos) {
    reference.revision = std::string(text.substr(at + 1));
    if (!is_revision(reference.revision)) return fail("the revision after '@' must be a branch, tag or commit");
    text = text.substr(0, at);
  }
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || !is_name(text.substr(0, slash)) || !is_name(text.substr(slash + 1))) {
    return fail("the repository must be org/name, of letters, digits, '-', '_' and '.'");
  }
  reference.repo = std::string(text);
  return reference;
}

bool HubReference::looks_like(std::string_view text) { return text.starts_with("hf:"); }

const std::string& HubReference::revision_or_main() const {
  static const std::string kMain = "main";
  return revision.empty() ? kMain : revision;
}

std::string HubReference::to_string() const { return "hf:" + repo + (revision.empty() ? "" : "@" + revision); }

HubSettings HubSettings::resolve(const HubConfig& catalog_hub) {
  HubSettings settings;
  settings.endpoint = catalog_hub.endpoint.value_or(environment("HF_ENDPOINT"));
  if (settings.endpoint.empty()) settings.endpoint = "https://huggingface.co";
  while (settings.endpoint.size() > 1 && settings.endpoint.back() == '/') settings.endpoint.pop_back();

  settings.token = catalog_hub.token.value_or(environment("HF_TOKEN"));

  if (catalog_hub.cache) {
    settings.cache = *catalog_hub.cache;
  } else if (std::string cache = environment("HF_HUB_CACHE"); !cache.empty()) {
    settings.cache = cache;
  } else if (std::string home = environment("HF_HOME"); !home.empty()) {
    settings.cache = std::filesystem::path(home) / "hub";
  } else if (std::string xdg = environment("XDG_CACHE_HOME"); !xdg.empty()) {
    settings.cache = std::filesystem::path(xdg) / "huggingface" / "hub";
  } else {
    std::string user_home = environment("HOME");
    settings.cache = std::filesystem::path(user_home.empty() ? "/tmp" : user_home) / ".cache" / "huggingface" / "hub";
  }

  settings.offline = is_true(environment("HF_HUB_OFFLINE"));
  if (catalog_hub.max_parallel_downloads) settings.max_parallel_downloads = *catalog_hub.max_parallel_downloads;
  settings.patterns = catalog_hub.patterns;
  return settings;
}

}  // namespace switchboard
