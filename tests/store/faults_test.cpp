// The real world: cut connections, wrong bytes, refusals, redirects, unsafe names.

#include <gtest/gtest.h>

#include <fstream>

#include "store_test_support.hpp"

namespace switchboard::store_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kShard = "model-00001-of-00002.safetensors";

std::string shard_sha256(HubServer& hub) {
  std::string sha;
  hub.edit([&](auto& repos, Faults&) { sha = repos["org/qwen2"].files[kShard].sha256; });
  return sha;
}

Error pull_error(ModelStore& store, const std::string& reference) {
  try {
    store.pull(HubReference::parse(reference));
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "pull of " << reference << " succeeded";
  return Error(ErrorCategory::internal, "");
}

TEST_F(StoreTest, APullCutMidFileResumesWhereItStoppedAndVerifies) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  const std::string sha = shard_sha256(hub);
  const long size = static_cast<long>(fs::file_size(fixture_model("qwen2") / kShard));
  const long cut_at = 123457;  // an arbitrary byte, not a block boundary
  ASSERT_LT(cut_at, size);
  hub.edit([&](auto&, Faults& faults) { faults.cut_after[kShard] = cut_at; });

  HubSettings one_attempt = settings();
  one_attempt.max_attempts = 1;
  ModelStore first(one_attempt);
  const Error cut = pull_error(first, "hf:org/qwen2");
  EXPECT_EQ(cut.category(), ErrorCategory::unavailable) << cut.what();
  const fs::path partial = repo_folder("org/qwen2") / "blobs" / (sha + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  const auto kept = static_cast<long>(fs::file_size(partial));
  EXPECT_EQ(kept, cut_at);
  EXPECT_FALSE(fs::exists(repo_folder("org/qwen2") / "blobs" / sha)) << "a partial file never enters the cache";
  EXPECT_FALSE(first.find(HubReference::parse("hf:org/qwen2")).has_value());

  hub.clear_requests();
  ModelStore second(settings());
  const fs::path folder = second.pull(HubReference::parse("hf:org/qwen2"));
  EXPECT_EQ(read_file(folder / kShard), read_file(fixture_model("qwen2") / kShard));
  EXPECT_FALSE(fs::exists(partial));
  int shard_gets = 0;
  for (const auto& request : hub.requests()) {
    if (request.method != "GET" || request.target != "/cdn/" + sha) continue;
    ++shard_gets;
    ASSERT_TRUE(request.headers.contains("range"));
    EXPECT_EQ(request.headers.at("range"), "bytes=" + std::to_string(kept) + "-");
  }
  EXPECT_EQ(shard_gets, 1) << "only the rest was fetched, once";
}

TEST_F(StoreTest, ACutIsRetriedWithinOnePull) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  hub.edit([&](auto&, Faults& faults) {
    faults.cut_after[kShard] = 5000;
    faults.cut_after["tokenizer.json"] = 777;
  });
  ModelStore store(settings());
  const fs::path folder = store.pull(HubReference::parse("hf:org/qwen2"));
  EXPECT_EQ(read_file(folder / kShard), read_file(fixture_model("qwen2") / kShard));
  EXPECT_EQ(read_file(folder / "tokenizer.json"), read_file(fixture_model("qwen2") / "tokenizer.json"));
  EXPECT_EQ(hub.downloads_of(kShard), 2);
}

TEST_F(StoreTest, AWrongChecksumIsRefusedAndNothingEntersTheCache) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  const std::string sha = shard_sha256(hub);
  std::string corrupt = read_file(fixture_model("qwen2") / kShard);
  corrupt[corrupt.size() / 2] ^= 0x01;
  hub.edit([&](auto&, Faults& faults) { faults.served_instead[kShard] = corrupt; });
  ModelStore store(settings());
  const Error error = pull_error(store, "hf:org/qwen2");
  EXPECT_EQ(error.category(), ErrorCategory::model_format);
  EXPECT_NE(std::string(error.what()).find("SHA-256 mismatch"), std::string::npos) << error.what();
  EXPECT_NE(std::string(error.what()).find(kShard), std::string::npos) << error.what();
  EXPECT_FALSE(fs::exists(repo_folder("org/qwen2") / "blobs" / sha));
  EXPECT_FALSE(fs::exists(repo_folder("org/qwen2") / "blobs" / (sha + ".incomplete")));
  EXPECT_FALSE(store.find(HubReference::parse("hf:org/qwen2")).has_value());
}

TEST_F(StoreTest, AResumedPrefixThatDoesNotVerifyIsFetchedAgainWhole) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  const std::string sha = shard_sha256(hub);
  fs::create_directories(repo_folder("org/qwen2") / "blobs");
  std::ofstream(repo_folder("org/qwen2") / "blobs" / (sha + ".incomplete"), std::ios::binary) << std::string(4096, 'x');
  ModelStore store(settings());
  const fs::path folder = store.pull(HubReference::parse("hf:org/qwen2"));
  EXPECT_EQ(read_file(folder / kShard), read_file(fixture_model("qwen2") / kShard));
  EXPECT_EQ(hub.downloads_of(kShard), 2);  // the resumed attempt, then the whole file
}

TEST_F(StoreTest, AServerThatIgnoresRangeStillYieldsTheRightFile) {
  hub.add_repo("org/qwen2", fixture_model("qwen2"));
  const std::string sha = shard_sha256(hub);
  const std::string real = read_file(fixture_model("qwen2") / kShard);
  fs::create_directories(repo_folder("org/qwen2") / "blobs");
  std::ofstream(repo_folder("org/qwen2") / "blobs" / (sha + ".incomplete"), std::ios::binary) << real.substr(0, 10000);
  hub.edit([](auto&, Faults& faults) { faults.ignore_range = true; });
  ModelStore store(settings());
  const fs::path folder = store.pull(HubReference::parse("hf:org/qwen2"));
  EXPECT_EQ(read_file(folder / kShard), real);
  EXPECT_EQ(hub.downloads_of(kShard), 1);
}

TEST_F(StoreTest, UnauthorisedForbiddenAndMissingAreTypedErrors) {
  hub.add_repo("org/private", fixture_model("llama"));
  hub.add_repo("org/gated", fixture_model("llama"));
  hub.edit([](auto&, Faults& faults) {
    faults.required_token = "hf_right";
    faults.status_for_repo["org/gated"] = 403;
  });
  HubSettings wrong = settings();
  wrong.token = "hf_wrong_token_value";
  ModelStore anonymous(settings());
  ModelStore wrong_token(wrong);

  const Error no_token = pull_error(anonymous, "hf:org/private");
  EXPECT_EQ(no_token.category(), ErrorCategory::auth);
  EXPECT_NE(std::string(no_token.what()).find("401"), std::string::npos) << no_token.what();
  EXPECT_NE(std::string(no_token.what()).find("HF_TOKEN"), std::string::npos) << no_token.what();

  const Error bad_token = pull_error(wrong_token, "hf:org/private");
  EXPECT_EQ(bad_token.category(), ErrorCategory::auth);
  EXPECT_EQ(std::string(bad_token.what()).find("hf_wrong_token_value"), std::string::npos) << "the token is a secret";

  HubSettings right = settings();
  right.token = "hf_right";
  ModelStore authorised(right);
  const Error gated = pull_error(authorised, "hf:org/gated");
  EXPECT_EQ(gated.category(), ErrorCategory::auth);
  EXPECT_NE(std::string(gated.what()).find("403"), std::string::npos) << gated.what();

  const Error missing = pull_error(authorised, "hf:org/nothing");
  EXPECT_EQ(missing.category(), ErrorCategory::not_found);
  EXPECT_NE(std::string(missing.what()).find("hf:org/nothing"), std::string::npos) << missing.what();
  const Error no_revision = pull_error(authorised, "hf:org/private@no-such-branch");
  EXPECT_EQ(no_revision.category(), ErrorCategory::not_found);
  EXPECT_FALSE(fs::exists(repo_folder("org/nothing") / "snapshots"));
}

TEST_F(StoreTest, TheTokenGoesToTheHubButNotToTheHostItRedirectsTo) {
  hub.add_repo("org/llama", fixture_model("llama"));
  hub.edit([](auto&, Faults& faults) { faults.required_token = "hf_right"; });
  HubSettings right = settings();
  right.token = "hf_right";
  ModelStore store(right);
  const fs::path folder = store.pull(HubReference::parse("hf:org/llama"));
  EXPECT_EQ(read_file(folder / "model.safetensors"), read_file(fixture_model("llama") / "model.safetensors"));
  int cdn_requests = 0;
  for (const auto& request : hub.requests()) {
    const std::string host = request.headers.at("host");
    if (request.target.starts_with("/cdn/")) {
      ++cdn_requests;
      EXPECT_EQ(host, "localhost:" + std::to_string(hub.port()));
      EXPECT_FALSE(request.headers.contains("authorization")) << "the token leaked to " << host;
    } else {
      EXPECT_EQ(request.headers.at("authorization"), "Bearer hf_right") << request.target;
    }
  }
  EXPECT_EQ(cdn_requests, 1);
}

TEST_F(StoreTest, UnsafeFileNamesRefuseTheRepository) {
  for (const std::string bad : {"../evil.json", "/etc/evil.json", "sub/../../evil.json", "a\\b.json"}) {
    hub.add_repo("org/evil", fixture_model("llama"));
    hub.edit([&](auto& repos, Faults&) { repos["org/evil"].extra_listed = {bad}; });
    ModelStore store(settings());
    const Error error = pull_error(store, "hf:org/evil");
    EXPECT_EQ(error.category(), ErrorCategory::model_format) << bad;
    EXPECT_NE(std::string(error.what()).find("unsafe file name"), std::string::npos) << error.what();
    EXPECT_FALSE(fs::exists(cache_folder.path() / "evil.json"));
    EXPECT_FALSE(fs::exists(repo_folder("org/evil") / "snapshots")) << "nothing was downloaded";
  }
}

TEST_F(StoreTest, ASnapshotFolderLinkedOutsideIsNotWrittenThrough) {
  const std::string commit = hub.add_repo("org/llama", fixture_model("llama"));
  hub.edit([&](auto& repos, Faults&) { repos["org/llama"].files["sub/extra.json"] = {"{}", false, ""}; });
  const fs::path outside = cache_folder.path() / "outside";
  fs::create_directories(outside);
  fs::create_directories(repo_folder("org/llama") / "snapshots" / commit);
  fs::create_directory_symlink(outside, repo_folder("org/llama") / "snapshots" / commit / "sub");
  HubSettings chosen = settings();
  chosen.patterns = {"sub/*"};
  ModelStore store(chosen);
  const Error error = pull_error(store, "hf:org/llama");
  EXPECT_EQ(error.category(), ErrorCategory::model_format);
  EXPECT_NE(std::string(error.what()).find("outside the snapshot"), std::string::npos) << error.what();
  EXPECT_TRUE(fs::is_empty(outside));
}

TEST_F(StoreTest, DiskErrorsNameThePath) {
  hub.add_repo("org/llama", fixture_model("llama"));
  const fs::path blocker = cache_folder.path() / "not-a-folder";
  std::ofstream(blocker) << "a file where the cache should be";
  HubSettings blocked = settings();
  blocked.cache = blocker / "hub";
  ModelStore store(blocked);
  const Error error = pull_error(store, "hf:org/llama");
  EXPECT_EQ(error.category(), ErrorCategory::unavailable);
  EXPECT_NE(std::string(error.what()).find(blocker.string()), std::string::npos) << error.what();
}

TEST_F(StoreTest, ASlowServerIsWaitedFor) {
  hub.add_repo("org/llama", fixture_model("llama_mlx_4bit"));
  hub.edit([](auto&, Faults& faults) {
    faults.slow_chunk = 4096;
    faults.slow_delay_ms = 1;
  });
  ModelStore store(settings());
  const fs::path folder = store.pull(HubReference::parse("hf:org/llama"));
  EXPECT_EQ(read_file(folder / "model.safetensors"), read_file(fixture_model("llama_mlx_4bit") / "model.safetensors"));
}

TEST_F(StoreTest, AnUnreachableHubFallsBackToACompleteCachedCopy) {
  hub.add_repo("org/llama", fixture_model("llama"));
  const fs::path folder = ModelStore(settings()).pull(HubReference::parse("hf:org/llama"));
  HubSettings unreachable = settings();
  unreachable.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  unreachable.max_attempts = 1;
  EXPECT_EQ(ModelStore(unreachable).pull(HubReference::parse("hf:org/llama")), folder);
  const Error error = pull_error(*std::make_unique<ModelStore>(unreachable), "hf:org/other");
  EXPECT_EQ(error.category(), ErrorCategory::unavailable);
}

}  // namespace
}  // namespace switchboard::store_test
