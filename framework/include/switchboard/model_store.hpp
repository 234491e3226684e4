#pragma once
// The model store: downloads models from a Hugging Face hub into a cache laid out like
// huggingface_hub's, so Python tools and Switchboard share one copy of every model.
//
//   ModelStore store;                                          // settings from the environment
//   auto folder = store.pull(HubReference::parse("hf:mlx-community/Qwen2.5-3B-Instruct-4bit"),
//                            [](const Progress& p) { ... });   // blocks; resumes what was cut
//   auto cached = store.find(reference);                       // no network at all
//
// The cache (see docs/store.md):
//   <cache>/models--org--name/blobs/<etag>           file contents, named by their hub ETag
//   <cache>/models--org--name/snapshots/<commit>/f   relative symlinks to ../../blobs/<etag>
//   <cache>/models--org--name/refs/<revision>        the commit a branch or tag pointed to
// A blob enters the cache only complete and verified; partial downloads wait in
// blobs/<etag>.incomplete and the next pull continues them.
//
// Thread safety: every method may be called from any thread. Concurrent pulls of one model (in
// one process, through any ModelStore on the same cache) share one download.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "switchboard/catalog.hpp"

namespace switchboard {

// "hf:org/repo" or "hf:org/repo@revision" (a branch, a tag or a commit hash).
struct HubReference {
  std::string repo;      // "org/repo"
  std::string revision;  // empty when none was given: pulls use "main"

  // Throws Error(config) saying what the text should look like.
  static HubReference parse(std::string_view text);
  static bool looks_like(std::string_view text);  // starts with "hf:"
  const std::string& revision_or_main() const;
  std::string to_string() const;  // "hf:org/repo" or "hf:org/repo@revision"
};

// Where the hub and the cache are. Every empty field takes its value from the environment as
// huggingface_hub does; from_environment() fills them all in.
struct HubSettings {
  std::string endpoint;         // $HF_ENDPOINT, else https://huggingface.co
  std::string token;            // $HF_TOKEN, else none; never logged or put in an error
  std::filesystem::path cache;  // $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub
  std::optional<bool> offline;  // $HF_HUB_OFFLINE=1: use the cache only
  int max_parallel_downloads = 4;
  // Glob patterns ('*', '?') of the files to fetch. Empty: the files a model needs (configs,
  // tokenizer files, chat templates, and the safetensors shards its index names).
  std::vector<std::string> patterns;
  int max_attempts = 5;  // per file, for transient failures (connection cut, 5xx, 429)
  std::chrono::milliseconds first_retry_delay{500};  // doubles after each attempt

  // These settings with the catalog's `hub:` section laid over them, then the environment.
  static HubSettings resolve(const HubConfig& catalog_hub = {});
};

struct Progress {
  std::int64_t bytes_done = 0;
  std::int64_t bytes_total = 0;  // of the files still to fetch; 0 until their sizes are known
  double fraction = 0;           // 0..1
  double bytes_per_s = 0;        // recent rate
  double eta_s = -1;             // seconds left at that rate; negative when unknown
  int files_done = 0;
  int files_total = 0;
  std::string file;  // the file that moved last
};
using ProgressCallback = std::function<void(const Progress&)>;

// One snapshot in the cache.
struct StoredModel {
  std::string repo;                    // "org/repo"
  std::string commit;                  // the snapshot folder's name
  std::vector<std::string> revisions;  // refs that point at it ("main", a tag)
  std::filesystem::path folder;        // .../snapshots/<commit>
  std::int64_t bytes = 0;              // its files' blobs
  int files = 0;
  bool complete = false;  // every file a model needs is there (see ModelStore::find)
};

struct DiskUsage {
  std::filesystem::path cache;
  std::int64_t bytes = 0;             // blobs, each counted once
  std::int64_t incomplete_bytes = 0;  // partial downloads waiting to be resumed
  int repos = 0;
  int snapshots = 0;
};

class ModelStore {
 public:
  explicit ModelStore(HubSettings settings = HubSettings::resolve());
  ~ModelStore();
  ModelStore(const ModelStore&) = delete;
  ModelStore& operator=(const ModelStore&) = delete;

  const HubSettings& settings() const;

  // Downloads what is missing of the model and returns its snapshot folder. Offline, the same
  // as find() but throwing Error(not_found) when the cache lacks it. Throws Error: auth (401,
  // 403), not_found (404), unavailable (network, disk, cancelled), model_format (checksum).
  std::filesystem::path pull(const HubReference& reference, const ProgressCallback& on_progress = {},
                             std::stop_token stop = {});

  // The complete snapshot the cache holds for the reference, without the network: the
  // revision's ref (or the commit itself), with config.json and every weight file present.
  std::optional<std::filesystem::path> find(const HubReference& reference) const;

  std::vector<StoredModel> list() const;

  // Removes the revision's snapshot (every snapshot when the reference has no revision) and the
  // blobs no remaining snapshot uses. Returns the bytes freed; throws Error(not_found).
  std::int64_t remove(const HubReference& reference);

  DiskUsage disk_usage() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchboard
