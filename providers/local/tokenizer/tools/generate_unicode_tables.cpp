// Writes unicode_tables.inc, the normalization and case tables the tokenizer needs, from the
// Unicode Character Database files shipped by Debian's `unicode-data` package.
//
//   g++ -std=c++20 -O2 generate_unicode_tables.cpp -o gen
//   ./gen /usr/share/unicode > ../unicode_tables.inc
//
// The output is committed, so building the tokenizer needs neither this program nor the package.
// Hangul syllables are not in the tables: unicode.cpp composes and decomposes them by formula.

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Character {
  int combining_class = 0;
  bool compatibility = false;          // the decomposition mapping carries a <tag>
  std::vector<uint32_t> decomposition;  // one level, as UnicodeData.txt writes it
  uint32_t lowercase = 0;               // simple lowercase mapping, 0 when none
};

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream stream(line);
  while (std::getline(stream, field, separator)) fields.push_back(field);
  if (!line.empty() && line.back() == separator) fields.emplace_back();
  return fields;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

std::map<uint32_t, Character> read_unicode_data(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::map<uint32_t, Character> characters;
  std::string line;
  while (std::getline(file, line)) {
    const auto fields = split(line, ';');
    if (fields.size() < 15) continue;
    const uint32_t code_point = std::stoul(fields[0], nullptr, 16);
    Character character;
    character.combining_class = std::stoi(fields[3]);
    std::istringstream mapping(fields[5]);
    std::string part;
    while (mapping >> part) {
      if (part.front() == '<') {
        character.compatibility = true;
      } else {
        character.decomposition.push_back(std::stoul(part, nullptr, 16));
      }
    }
    if (!fields[13].empty()) character.lowercase = std::stoul(fields[13], nullptr, 16);
    characters[code_point] = character;
  }
  return characters;
}

std::set<uint32_t> read_full_composition_exclusions(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::set<uint32_t> excluded;
  std::string line;
  while (std::getline(file, line)) {
    const auto fields = split(line.substr(0, line.find('#')), ';');
    if (fields.size() < 2 || trim(fields[1]) != "Full_Composition_Exclusion") continue;
    const std::string range = trim(fields[0]);
    const auto dots = range.find("..");
    const uint32_t first = std::stoul(range.substr(0, dots), nullptr, 16);
    const uint32_t last = dots == std::string::npos ? first : std::stoul(range.substr(dots + 2), nullptr, 16);
    for (uint32_t code_point = first; code_point <= last; ++code_point) excluded.insert(code_point);
  }
  return excluded;
}

void decompose_fully(const std::map<uint32_t, Character>& characters, uint32_t code_point,
                     bool compatibility, std::vector<uint32_t>& out) {
  const auto found = characters.find(code_point);
  if (found == characters.end() || found->second.decomposition.empty() ||
      (found->second.compatibility && !compatibility)) {
    out.push_back(code_point);
    return;
  }
  for (const uint32_t part : found->second.decomposition) decompose_fully(characters, part, compatibility, out);
}

void write_decomposition_table(const std::map<uint32_t, Character>& characters, bool compatibility,
                               const char* name) {
  std::vector<uint32_t> pool;
  std::ostringstream entries;
  size_t count = 0;
  for (const auto& [code_point, character] : characters) {
    if (character.decomposition.empty() || (character.compatibility && !compatibility)) continue;
    std::vector<uint32_t> full;
    decompose_fully(characters, code_point, compatibility, full);
    entries << "    {0x" << std::hex << code_point << std::dec << ", " << pool.size() << ", "
            << full.size() << "},\n";
    pool.insert(pool.end(), full.begin(), full.end());
    ++count;
  }
  std::cout << "inline constexpr uint32_t " << name << "Pool[] = {";
  for (size_t i = 0; i < pool.size(); ++i) {
    std::cout << (i % 12 == 0 ? "\n    " : " ") << "0x" << std::hex << pool[i] << std::dec << ",";
  }
  std::cout << "\n};\ninline constexpr Decomposition " << name << "[] = {\n" << entries.str() << "};\n\n";
  std::cerr << name << ": " << count << " entries, " << pool.size() << " code points\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " <folder with UnicodeData.txt and DerivedNormalizationProps.txt>\n";
    return 2;
  }
  const std::string folder = argv[1];
  const auto characters = read_unicode_data(folder + "/UnicodeData.txt");
  const auto excluded = read_full_composition_exclusions(folder + "/DerivedNormalizationProps.txt");

  std::cout << "// Generated by tools/generate_unicode_tables.cpp from the Unicode Character Database\n"
               "// (UnicodeData.txt, DerivedNormalizationProps.txt of Debian's unicode-data package).\n"
               "// Do not edit; regenerate instead. Included by unicode.cpp only.\n\n";

  std::cout << "inline constexpr CombiningClass kCombiningClasses[] = {";
  size_t column = 0;
  for (const auto& [code_point, character] : characters) {
    if (character.combining_class == 0) continue;
    std::cout << (column++ % 6 == 0 ? "\n    " : " ") << "{0x" << std::hex << code_point << std::dec << ", "
              << character.combining_class << "},";
  }
  std::cout << "\n};\n\n";

  write_decomposition_table(characters, false, "kCanonicalDecompositions");
  write_decomposition_table(characters, true, "kCompatibilityDecompositions");

  // Primary composites: canonical pairs whose composite is not excluded from composition.
  std::vector<std::array<uint32_t, 3>> compositions;
  for (const auto& [code_point, character] : characters) {
    if (character.compatibility || character.decomposition.size() != 2 || excluded.count(code_point)) continue;
    compositions.push_back({character.decomposition[0], character.decomposition[1], code_point});
  }
  std::sort(compositions.begin(), compositions.end());
  std::cout << "inline constexpr Composition kCompositions[] = {";
  column = 0;
  for (const auto& [first, second, composite] : compositions) {
    std::cout << (column++ % 4 == 0 ? "\n    " : " ") << "{0x" << std::hex << first << ", 0x" << second << ", 0x"
              << composite << std::dec << "},";
  }
  std::cout << "\n};\n\n";

  std::cout << "inline constexpr CaseMapping kLowercase[] = {";
  column = 0;
  for (const auto& [code_point, character] : characters) {
    if (character.lowercase == 0) continue;
    std::cout << (column++ % 6 == 0 ? "\n    " : " ") << "{0x" << std::hex << code_point << ", 0x"
              << character.lowercase << std::dec << "},";
  }
  std::cout << "\n};\n";
  std::cerr << "compositions: " << compositions.size() << "\n";
  return 0;
}
