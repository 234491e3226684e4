#pragma once
// Shared access to tests/fixtures/tokenizers: each family's tokenizer is loaded once per process.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tokenizer.hpp"

namespace switchboard::local::testing {

inline const std::vector<std::string> kFamilies = {"qwen3", "llama-3.2", "mistral-7b-v0.3", "phi-3-mini"};

std::string fixture_path(const std::string& relative);  // under tests/fixtures/tokenizers/
const nlohmann::json& read_fixture_json(const std::string& relative);
const Tokenizer& family_tokenizer(const std::string& family);
const nlohmann::json& family_cases(const std::string& family);  // the "cases" array of cases.json

std::vector<int32_t> ids_of(const nlohmann::json& array);
// Bytes as readable text for failure messages: escapes control and non-ASCII bytes.
std::string printable(const std::string& text);

}  // namespace switchboard::local::testing
