#pragma once
// The Hugging Face reference data under tests/fixtures/models (see its MANIFEST.md).

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace switchboard::fixtures {

inline std::filesystem::path model_fixture(const std::string& name) {
  return std::filesystem::path(SWITCHBOARD_TEST_DATA) / "fixtures" / "models" / name;
}

inline nlohmann::json read_reference(const std::string& name) {
  std::ifstream in(model_fixture(name) / "reference.json");
  return nlohmann::json::parse(in);
}

inline const std::vector<std::string>& model_fixture_names() {
  static const std::vector<std::string> names = {"llama",  "llama_mlx_4bit", "llama_mlx_8bit", "qwen2",  "qwen2_mlx_4bit",
                                                 "qwen2_mlx_8bit", "qwen3", "mistral", "phi3", "gemma3_text"};
  return names;
}

// The manifest's float32 tolerance: max |Δ| <= 1e-3 · max(1, max |reference|).
inline double logit_tolerance(const std::vector<float>& reference) {
  double largest = 1.0;
  for (float value : reference) largest = std::max(largest, static_cast<double>(std::fabs(value)));
  return 1e-3 * largest;
}

inline double max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) worst = std::max(worst, static_cast<double>(std::fabs(a[i] - b[i])));
  return a.size() == b.size() ? worst : INFINITY;
}

}  // namespace switchboard::fixtures
