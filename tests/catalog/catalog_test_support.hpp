#pragma once
// Helpers shared by the catalog tests: parsing text expected to fail, scratch folders for
// include tests, and environment variables set for one test only.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "switchboard/catalog.hpp"

namespace switchboard::testing {

// The issues a CatalogError carries; fails the test when parsing succeeds instead.
inline std::vector<CatalogIssue> issues_of(const std::string& yaml,
                                           const std::filesystem::path& file = "test.yaml") {
  try {
    Catalog::parse(yaml, file);
  } catch (const CatalogError& error) {
    EXPECT_EQ(error.category(), ErrorCategory::config);
    return error.issues();
  }
  ADD_FAILURE() << "expected a CatalogError for:\n" << yaml;
  return {};
}

// Checks that `yaml` has exactly one problem, where and what it is.
inline void expect_single_issue(const std::string& yaml, int line, int column,
                                const std::string& field, const std::string& message_part) {
  const std::vector<CatalogIssue> issues = issues_of(yaml);
  ASSERT_EQ(issues.size(), 1u) << "issues:\n" << CatalogError(issues).what();
  const CatalogIssue& issue = issues[0];
  EXPECT_EQ(issue.where.file, std::filesystem::path("test.yaml"));
  EXPECT_EQ(issue.where.line, line) << issue.to_string();
  EXPECT_EQ(issue.where.column, column) << issue.to_string();
  EXPECT_EQ(issue.field, field) << issue.to_string();
  EXPECT_NE(issue.message.find(message_part), std::string::npos)
      << "'" << message_part << "' not in: " << issue.to_string();
  // The printed form leads with file:line:column and the field, as users will see it.
  const std::string prefix = "test.yaml:" + std::to_string(line) + ":" + std::to_string(column) +
                             ": " + (field.empty() ? "" : field + ": ");
  EXPECT_EQ(issue.to_string().rfind(prefix, 0), 0u) << issue.to_string();
}

// A fresh folder under the system temp folder, removed with everything in it afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("switchboard-catalog-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  std::filesystem::path write(const std::filesystem::path& relative, const std::string& text) const {
    const std::filesystem::path file = path_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// Sets (or, given nullopt, unsets) an environment variable until the end of the scope.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;
    if (value) {
      ::setenv(name_.c_str(), value->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace switchboard::testing
