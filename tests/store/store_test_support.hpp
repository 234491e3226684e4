#pragma once
// What the store's tests share: a fresh cache folder per test and settings pointing at a
// HubServer, with retries quick enough for tests.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include <switchboard/model_store.hpp>

#include "hub_server.hpp"

namespace switchboard::store_test {

inline std::filesystem::path fixture_model(const std::string& name) {
  return std::filesystem::path(SWITCHBOARD_TEST_DATA) / "fixtures" / "models" / name;
}

// A temporary folder removed when the test ends.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() / ("switchboard-store-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class StoreTest : public ::testing::Test {
 protected:
  HubSettings settings() const {
    HubSettings settings;
    settings.endpoint = hub.endpoint();
    settings.cache = cache_folder.path() / "hub";
    settings.offline = false;
    settings.max_parallel_downloads = 4;
    settings.max_attempts = 3;
    settings.first_retry_delay = std::chrono::milliseconds(10);
    return settings;
  }

  std::filesystem::path repo_folder(const std::string& repo) const {
    std::string name = repo;
    name.replace(name.find('/'), 1, "--");
    return cache_folder.path() / "hub" / ("models--" + name);
  }

  TemporaryFolder cache_folder;
  HubServer hub;
};

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace switchboard::store_test
