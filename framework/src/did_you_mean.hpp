#pragma once
// Suggestions for misspelled names, for error messages such as
// "unknown key 'provder'; did you mean 'provider'?". Header-only so any part of the
// framework can use it.

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::detail {

// Optimal-string-alignment distance: inserting, deleting or replacing one character, or
// swapping two neighbouring ones, each cost 1. Swaps count once because they are the
// commonest typo ("provdier").
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t rows = a.size() + 1;
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> d(rows * cols);
  auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  for (std::size_t i = 0; i < rows; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j < cols; ++j) at(0, j) = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < cols; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(rows - 1, cols - 1);
}

// The candidate nearest to `word`, when near enough to be a likely typo: at most 2 edits, or
// 1 for words of 3 characters or fewer (2 edits would turn "ctx" into almost anything).
// On a tie the earlier candidate wins, so callers list their candidates in a sensible order.
template <class Strings>
std::optional<std::string> closest_match(std::string_view word, const Strings& candidates) {
  const std::size_t limit = word.size() <= 3 ? 1 : 2;
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    const std::string_view c = candidate;
    if (c == word) continue;  // an exact match is not a suggestion
    const std::size_t distance = edit_distance(word, c);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(c);
    }
  }
  return best;
}

// "; did you mean 'provider'?" when a candidate is close, else "": ready to append.
template <class Strings>
std::string did_you_mean(std::string_view word, const Strings& candidates) {
  const auto match = closest_match(word, candidates);
  return match ? "; did you mean '" + *match + "'?" : std::string();
}

}  // namespace switchboard::detail
