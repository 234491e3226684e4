// Pulling models from the loopback hub: what lands in the cache, progress, revisions, sharing.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "store_test_support.hpp"

namespace switchboard::store_test {
namespace {

namespace fs = std::filesystem;

std::int64_t folder_bytes(const fs::path& folder, const std::vector<std::string>& names) {
  std::int64_t total = 0;
  for (const auto& name : names) total += static_cast<std::int64_t>(fs::file_size(folder / name));
  return total;
}

const std::vector<std::string> kQwen2ModelFiles = {
    "config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors.index.json",
    "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};

TEST_F(StoreTest, PullFetchesTheFilesAModelNeedsAndNothingElse) {
  const std::string commit = hub.add_repo("org/qwen2", fixture_model("qwen2"));
  ModelStore store(settings());
  const fs::path folder = store.pull(HubReference::parse("hf:org/qwen2"));
  EXPECT_EQ(folder, repo_folder("org/qwen2") / "snapshots" / commit);
  for (const auto& name : kQwen2ModelFiles) {
    EXPECT_EQ(read_file(folder / name), read_file(fixture_model("qwen2") / name)) << name;
  }
  EXPECT_FALSE(fs::exists(folder / "reference.json")) << "not a file a model needs";
  EXPECT_EQ(store.find(HubReference::parse("hf:org/qwen2")), folder);
}

TEST_F(StoreTest, ASecondPullAsksOnlyForTheFileList) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  ModelStore store(settings());
  store.pull(HubReference::parse("hf:org/qwen2"));
  hub.clear_requests();
  store.pull(HubReference::parse("hf:org/qwen2"));
  const auto requests = hub.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target.rfind("/api/models/org/qwen2/revision/main", 0), 0u) << requests[0].target;
}

TEST_F(StoreTest, ProgressCountsUpToTheWholeSize) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  hub.edit([](auto&, Faults& faults) {
    faults.slow_chunk = 64 * 1024;
    faults.slow_delay_ms = 3;
  });
  std::vector<Progress> seen;
  std::mutex mutex;
  ModelStore store(settings());
  store.pull(HubReference::parse("hf:org/qwen2"), [&](const Progress& progress) {
    std::lock_guard lock(mutex);
    seen.push_back(progress);
  });
  ASSERT_GE(seen.size(), 3u);
  const std::int64_t total = folder_bytes(fixture_model("qwen2"), kQwen2ModelFiles) -
                             static_cast<std::int64_t>(fs::file_size(fixture_model("qwen2") / "model.safetensors.index.json"));
  EXPECT_EQ(seen.back().bytes_total, total);  // the index came first, before the sized work
  EXPECT_EQ(seen.back().bytes_done, total);
  EXPECT_DOUBLE_EQ(seen.back().fraction, 1.0);
  EXPECT_EQ(seen.back().files_done, seen.back().files_total);
  EXPECT_EQ(seen.back().files_total, 6);
  bool had_rate = false;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GE(seen[i].fraction, seen[i - 1].fraction);
    EXPECT_LE(seen[i].bytes_done, seen[i].bytes_total);
    if (seen[i].bytes_per_s > 0 && seen[i].eta_s >= 0) had_rate = true;
  }
  EXPECT_TRUE(had_rate) << "a rate and an ETA while bytes flowed";
}

TEST_F(StoreTest, ABranchIsResolvedToItsCommitAndATagGetsItsRef) {
  const std::string commit = hub.add_repo("org/llama", fixture_model("llama"));
  hub.edit([&](auto& repos, Faults&) { repos["org/llama"].refs["v1.0"] = commit; });
  ModelStore store(settings());
  store.pull(HubReference::parse("hf:org/llama@v1.0"));
  EXPECT_EQ(read_file(repo_folder("org/llama") / "refs" / "v1.0"), commit);
  EXPECT_FALSE(fs::exists(repo_folder("org/llama") / "refs" / "main"));
  // A commit needs no ref: it names itself.
  store.pull(HubReference::parse("hf:org/llama@" + commit));
  EXPECT_FALSE(fs::exists(repo_folder("org/llama") / "refs" / commit));
  EXPECT_TRUE(store.find(HubReference::parse("hf:org/llama@" + commit)).has_value());
  EXPECT_FALSE(store.find(HubReference::parse("hf:org/llama")).has_value()) << "main was never pulled";
}

TEST_F(StoreTest, PatternsChooseTheFiles) {
  hub.add_repo("org/llama", fixture_model("llama"));
  HubSettings chosen = settings();
  chosen.patterns = {"*.json"};
  ModelStore store(chosen);
  const fs::path folder = store.pull(HubReference::parse("hf:org/llama"));
  EXPECT_TRUE(fs::exists(folder / "reference.json"));
  EXPECT_TRUE(fs::exists(folder / "config.json"));
  EXPECT_FALSE(fs::exists(folder / "model.safetensors"));
  EXPECT_FALSE(store.find(HubReference::parse("hf:org/llama")).has_value()) << "no weights: not a loadable model";
}

TEST_F(StoreTest, ConcurrentPullsOfOneModelShareOneDownload) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  hub.edit([](auto&, Faults& faults) {
    faults.slow_chunk = 32 * 1024;
    faults.slow_delay_ms = 2;
  });
  ModelStore first(settings());
  ModelStore second(settings());  // another store on the same cache shares too
  std::vector<fs::path> folders(6);
  std::atomic<int> progress_calls{0};
  std::vector<std::jthread> pulls;
  for (int i = 0; i < 6; ++i) {
    pulls.emplace_back([&, i] {
      folders[i] = (i % 2 ? first : second).pull(HubReference::parse("hf:org/qwen2"), [&](const Progress&) { ++progress_calls; });
    });
  }
  pulls.clear();
  for (const auto& folder : folders) EXPECT_EQ(folder, folders[0]);
  for (const auto& name : kQwen2ModelFiles) EXPECT_EQ(hub.downloads_of(name), 1) << name;
  EXPECT_GT(progress_calls.load(), 6);
}

TEST_F(StoreTest, ACancelledPullStopsAndTheNextResumes) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  hub.edit([](auto&, Faults& faults) {
    faults.slow_chunk = 16 * 1024;
    faults.slow_delay_ms = 2;
  });
  ModelStore store(settings());
  std::stop_source stop;
  try {
    store.pull(HubReference::parse("hf:org/qwen2"), [&](const Progress& progress) {
      if (progress.bytes_done > 100 * 1024) stop.request_stop();
    }, stop.get_token());
    FAIL() << "not cancelled";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::unavailable);
    EXPECT_NE(std::string(error.what()).find("cancelled"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(store.find(HubReference::parse("hf:org/qwen2")).has_value());
  hub.edit([](auto&, Faults& faults) { faults.slow_chunk = 0; });
  hub.clear_requests();
  store.pull(HubReference::parse("hf:org/qwen2"));
  bool resumed = false;
  for (const auto& request : hub.requests()) resumed |= request.headers.contains("range");
  EXPECT_TRUE(resumed) << "the second pull continued a partial file";
  EXPECT_TRUE(store.find(HubReference::parse("hf:org/qwen2")).has_value());
}

TEST_F(StoreTest, OfflineUsesTheCacheAndSaysWhatIsMissing) {
  hub.add_repo("org/llama", fixture_model("llama"));
  HubSettings offline = settings();
  offline.offline = true;
  ModelStore offline_store(offline);
  try {
    offline_store.pull(HubReference::parse("hf:org/llama"));
    FAIL() << "offline pull of an empty cache succeeded";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
    EXPECT_NE(std::string(error.what()).find("HF_HUB_OFFLINE"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("hf:org/llama"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(hub.requests().empty());
  const fs::path online = ModelStore(settings()).pull(HubReference::parse("hf:org/llama"));
  hub.clear_requests();
  EXPECT_EQ(offline_store.pull(HubReference::parse("hf:org/llama")), online);
  EXPECT_TRUE(hub.requests().empty());
}

}  // namespace
}  // namespace switchboard::store_test
