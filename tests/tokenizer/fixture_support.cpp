#include "fixture_support.hpp"

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>

namespace switchboard::local::testing {

std::string fixture_path(const std::string& relative) {
  return std::string(SWITCHBOARD_TEST_DATA) + "/fixtures/tokenizers/" + relative;
}

const nlohmann::json& read_fixture_json(const std::string& relative) {
  static std::mutex mutex;
  static std::map<std::string, nlohmann::json> loaded;
  std::lock_guard lock(mutex);
  auto found = loaded.find(relative);
  if (found == loaded.end()) {
    std::ifstream file(fixture_path(relative), std::ios::binary);
    if (!file) throw std::runtime_error("missing fixture " + fixture_path(relative));
    std::stringstream contents;
    contents << file.rdbuf();
    found = loaded.emplace(relative, nlohmann::json::parse(contents.str())).first;
  }
  return found->second;
}

const Tokenizer& family_tokenizer(const std::string& family) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Tokenizer>> loaded;
  std::lock_guard lock(mutex);
  auto& slot = loaded[family];
  if (!slot) slot = std::make_unique<Tokenizer>(Tokenizer::from_file(fixture_path(family + "/tokenizer.json")));
  return *slot;
}

const nlohmann::json& family_cases(const std::string& family) {
  return read_fixture_json(family + "/cases.json").at("cases");
}

std::vector<int32_t> ids_of(const nlohmann::json& array) { return array.get<std::vector<int32_t>>(); }

std::string printable(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      out.push_back(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", byte);
      out += escaped;
    }
  }
  return out;
}

}  // namespace switchboard::local::testing
