#pragma once
// Helpers shared by the chat template tests.

#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace chat_template_test {

inline nlohmann::ordered_json read_json(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::ordered_json::parse(text.str());
}

// "" when equal; otherwise where the strings first differ and what each has there.
inline std::string first_difference(const std::string& expected, const std::string& actual) {
  if (expected == actual) return "";
  size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
  auto excerpt = [at](const std::string& s) {
    const size_t from = at >= 20 ? at - 20 : 0;
    return nlohmann::json(s.substr(from, 60)).dump();
  };
  std::ostringstream out;
  out << "first difference at byte " << at << " (expected " << expected.size() << " bytes, got " << actual.size()
      << ")\n  expected ..." << excerpt(expected) << "\n  actual   ..." << excerpt(actual);
  return out.str();
}

}  // namespace chat_template_test
