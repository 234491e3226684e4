#pragma once
// Plain-text tables for the listings: columns padded to their widest cell.

#include <string>
#include <vector>

namespace switchboard::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool has_rows() const { return rows_.size() > 1; }
  // Every line indented by `indent`; the last column is not padded.
  std::string render(const std::string& indent = "  ") const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace switchboard::cli
