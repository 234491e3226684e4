// The cache read and written by huggingface_hub's layout rules, and list / remove / disk usage.

#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "store/cache_layout.hpp"
#include "store/sha256.hpp"
#include "store_test_support.hpp"

namespace switchboard::store_test {
namespace {

namespace fs = std::filesystem;

std::string sha256_of(const fs::path& file) {
  store::Sha256 hasher;
  hasher.update(read_file(file));
  return hasher.hex_digest();
}

// Reads the cache as huggingface_hub documents it ("Understand caching"): refs/<revision> holds
// the commit, snapshots/<commit>/<file> is a relative symlink into ../../blobs/, LFS blobs are
// named by their SHA-256 and other blobs by their ETag.
TEST_F(StoreTest, TheCacheFollowsHuggingFaceHubsLayout) {
  const std::string commit = hub.add_repo("mlx-community/Tiny-Qwen", fixture_model("qwen2"));
  ModelStore(settings()).pull(HubReference::parse("hf:mlx-community/Tiny-Qwen"));

  const fs::path repo = cache_folder.path() / "hub" / "models--mlx-community--Tiny-Qwen";
  ASSERT_TRUE(fs::is_directory(repo));
  EXPECT_EQ(read_file(repo / "refs" / "main"), commit) << "the bare hash, no newline";
  std::set<std::string> top;
  for (const auto& entry : fs::directory_iterator(repo)) top.insert(entry.path().filename().string());
  EXPECT_EQ(top, (std::set<std::string>{"blobs", "refs", "snapshots"}));

  const fs::path snapshot = repo / "snapshots" / commit;
  std::set<std::string> blobs_linked;
  for (const auto& entry : fs::directory_iterator(snapshot)) {
    const fs::path link = entry.path();
    ASSERT_TRUE(fs::is_symlink(link)) << link;
    const fs::path target = fs::read_symlink(link);
    EXPECT_TRUE(target.is_relative()) << target;
    EXPECT_EQ(target.parent_path(), fs::path("../../blobs")) << target;
    EXPECT_TRUE(fs::is_regular_file(repo / "blobs" / target.filename()));
    const std::string name = link.filename().string();
    if (name.ends_with(".safetensors")) {
      EXPECT_EQ(target.filename().string(), sha256_of(fixture_model("qwen2") / name)) << "LFS blobs are their SHA-256";
    } else {
      EXPECT_EQ(target.filename().string(), fake_hash(read_file(fixture_model("qwen2") / name))) << "the ETag";
    }
    blobs_linked.insert(target.filename().string());
  }
  std::set<std::string> blobs;
  for (const auto& entry : fs::directory_iterator(repo / "blobs")) blobs.insert(entry.path().filename().string());
  EXPECT_EQ(blobs, blobs_linked) << "no partial or stray files";
  EXPECT_TRUE(fs::exists(cache_folder.path() / "hub" / ".locks" / "models--mlx-community--Tiny-Qwen"));
}

// A cache as Python's huggingface_hub leaves it, made here by the same rules, is used as it is.
TEST_F(StoreTest, ACacheMadeByPythonToolsIsReused) {
  const std::string commit = hub.add_repo("org/llama", fixture_model("llama"));
  const fs::path repo = repo_folder("org/llama");
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "refs");
  fs::create_directories(repo / "snapshots" / commit);
  std::ofstream(repo / "refs" / "main") << commit;
  for (const char* name : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                           "model.safetensors"}) {
    const fs::path source = fixture_model("llama") / name;
    const std::string blob =
        std::string(name).ends_with(".safetensors") ? sha256_of(source) : fake_hash(read_file(source));
    fs::copy_file(source, repo / "blobs" / blob);
    fs::create_symlink(fs::path("../../blobs") / blob, repo / "snapshots" / commit / name);
  }
  HubSettings offline = settings();
  offline.offline = true;
  EXPECT_EQ(ModelStore(offline).find(HubReference::parse("hf:org/llama")), repo / "snapshots" / commit);
  ModelStore online(settings());
  EXPECT_EQ(online.pull(HubReference::parse("hf:org/llama")), repo / "snapshots" / commit);
  for (const auto& request : hub.requests()) EXPECT_TRUE(request.target.starts_with("/api/")) << request.target;
}

TEST_F(StoreTest, FindRefusesASnapshotMissingAShard) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  ModelStore store(settings());
  const fs::path folder = store.pull(HubReference::parse("hf:org/qwen2"));
  fs::remove(fs::canonical(folder / "model-00002-of-00002.safetensors"));  // the blob goes, the link dangles
  EXPECT_FALSE(store.find(HubReference::parse("hf:org/qwen2")).has_value());
  EXPECT_EQ(store::missing_model_files(folder), (std::vector<std::string>{"model-00002-of-00002.safetensors",
                                                                          "model-00002-of-00002.safetensors"}));
  // A pull mends it.
  store.pull(HubReference::parse("hf:org/qwen2"));
  EXPECT_TRUE(store.find(HubReference::parse("hf:org/qwen2")).has_value());
}

TEST_F(StoreTest, ListRemoveAndDiskUsageShareBlobsBetweenSnapshots) {
  const std::string old_commit = hub.add_repo("org/qwen2", fixture_model("qwen2"));
  ModelStore store(settings());
  store.pull(HubReference::parse("hf:org/qwen2"));
  // A new commit on main changes config.json only: the weights' blobs are shared.
  const std::string new_commit = fake_hash("second commit");
  std::string new_config = read_file(fixture_model("qwen2") / "config.json");
  new_config.insert(1, "\"_comment\": \"v2\", ");
  hub.edit([&](auto& repos, Faults&) {
    auto& repo = repos["org/qwen2"];
    repo.commit = new_commit;
    repo.refs["main"] = new_commit;
    repo.files["config.json"].content = new_config;
  });
  store.pull(HubReference::parse("hf:org/qwen2"));

  const auto models = store.list();
  ASSERT_EQ(models.size(), 2u);
  const StoredModel& newest = models[0].commit == new_commit ? models[0] : models[1];
  const StoredModel& oldest = models[0].commit == new_commit ? models[1] : models[0];
  EXPECT_EQ(newest.repo, "org/qwen2");
  EXPECT_EQ(newest.revisions, std::vector<std::string>{"main"});
  EXPECT_TRUE(oldest.revisions.empty());
  EXPECT_EQ(newest.files, 7);
  EXPECT_TRUE(newest.complete);
  EXPECT_EQ(oldest.bytes, newest.bytes - static_cast<std::int64_t>(new_config.size()) +
                              static_cast<std::int64_t>(fs::file_size(fixture_model("qwen2") / "config.json")));

  const DiskUsage before = store.disk_usage();
  EXPECT_EQ(before.repos, 1);
  EXPECT_EQ(before.snapshots, 2);
  EXPECT_EQ(before.bytes, newest.bytes + static_cast<std::int64_t>(fs::file_size(fixture_model("qwen2") / "config.json")))
      << "each blob counted once";

  const std::int64_t freed = store.remove(HubReference::parse("hf:org/qwen2@" + old_commit));
  EXPECT_EQ(freed, static_cast<std::int64_t>(fs::file_size(fixture_model("qwen2") / "config.json")));
  EXPECT_EQ(store.disk_usage().bytes, before.bytes - freed);
  EXPECT_TRUE(store.find(HubReference::parse("hf:org/qwen2")).has_value()) << "main kept every blob it uses";
  ASSERT_EQ(store.list().size(), 1u);

  try {
    store.remove(HubReference::parse("hf:org/qwen2@" + old_commit));
    FAIL() << "removed twice";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::not_found);
  }
  EXPECT_EQ(store.remove(HubReference::parse("hf:org/qwen2")), before.bytes - freed);
  EXPECT_FALSE(fs::exists(repo_folder("org/qwen2")));
  EXPECT_EQ(store.disk_usage().bytes, 0);
  EXPECT_TRUE(store.list().empty());
}

TEST(CacheLayout, FolderNamesAndFileNameChecks) {
  EXPECT_EQ(store::repo_folder_name("mlx-community/Qwen2.5-3B"), "models--mlx-community--Qwen2.5-3B");
  EXPECT_EQ(store::repo_from_folder_name("models--mlx-community--Qwen2.5-3B"), "mlx-community/Qwen2.5-3B");
  EXPECT_FALSE(store::repo_from_folder_name("datasets--a--b").has_value());
  EXPECT_NO_THROW(store::check_file_name("sub/folder/tokenizer.json"));
  for (const char* bad : {"", "/abs", "../x", "a/../../x", "a//b", "./x", "a/.", "a\\b", "new\nline"}) {
    EXPECT_THROW(store::check_file_name(bad), Error) << bad;
  }
  EXPECT_EQ(store::blob_name_from_etag("W/\"abc123\""), "abc123");
  EXPECT_THROW(store::blob_name_from_etag("\"../../x\""), Error);
}

}  // namespace
}  // namespace switchboard::store_test
