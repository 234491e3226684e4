// ModelStore: a pull is "list the repository at a revision, pick the files a model needs, fetch
// what the cache lacks (in parallel), link them into the snapshot, then write the ref". Pulls
// of one model in one process share a single download (see PullJob).

#include "switchboard/model_store.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "store/blob_download.hpp"
#include "store/cache_layout.hpp"
#include "store/hub_client.hpp"
#include "store/progress_meter.hpp"
#include "switchboard/error.hpp"
#include "switchboard/log.hpp"

namespace switchboard {

using namespace store;

namespace {

// What a model folder needs besides its weights, when the settings name no patterns.
const std::vector<std::string> kModelFiles = {
    "config.json",       "generation_config.json", "tokenizer.json",     "tokenizer_config.json",
    "special_tokens_map.json", "tokenizer.model",  "added_tokens.json",  "vocab.json",
    "merges.txt",        "chat_template.jinja",    "chat_template.json", "model.safetensors.index.json",
    "model.safetensors"};
constexpr const char* kIndex = "model.safetensors.index.json";

Error cancelled(const HubReference& reference) {
  return Error(ErrorCategory::unavailable, "pull of " + reference.to_string() + " cancelled; the next pull resumes it");
}

// One pull in progress, shared by every caller that asks for the same model meanwhile. The first
// caller (the leader) downloads on its own thread; the others wait and see its progress. If the
// leader is cancelled, a waiting caller takes over; the partial files make that cheap.
struct PullJob {
  std::mutex mutex;
  std::condition_variable_any finished;
  bool done = false;
  bool leader_cancelled = false;
  fs::path folder;
  std::exception_ptr error;
  std::map<int, ProgressCallback> listeners;
  int next_listener = 0;
};

std::mutex jobs_mutex;
std::map<std::string, std::shared_ptr<PullJob>> jobs;  // by cache folder + repo + revision

// Runs fn(index, session, stop) over [0, count) on up to `limit` threads, each with its own
// HTTP session. The first failure stops the rest and is rethrown.
void parallel_for(std::size_t count, int limit, const std::string& token, std::stop_token stop,
                  const std::function<void(std::size_t, HttpSession&, std::stop_token)>& fn) {
  if (count == 0) return;
  std::stop_source cancel_all;
  std::stop_callback forward(stop, [&] { cancel_all.request_stop(); });
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr first_failure;
  auto work = [&] {
    try {
      HttpSession http(token);
      for (std::size_t i = next++; i < count && !cancel_all.stop_requested(); i = next++) fn(i, http, cancel_all.get_token());
    } catch (...) {
      std::lock_guard lock(mutex);
      if (!first_failure) first_failure = std::current_exception();
      cancel_all.request_stop();
    }
  };
  std::vector<std::jthread> workers;
  const std::size_t threads = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(1, limit)));
  for (std::size_t i = 0; i < threads; ++i) workers.emplace_back(work);
  workers.clear();  // joins
  if (first_failure) std::rethrow_exception(first_failure);
}

bool matches_any(const std::vector<std::string>& patterns, const std::string& file) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return ::fnmatch(pattern.c_str(), file.c_str(), 0) == 0; });
}

std::vector<std::string> shards_named_by(const fs::path& index_file) {
  std::ifstream in(index_file, std::ios::binary);
  const nlohmann::json index = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
    throw Error(ErrorCategory::model_format, index_file.string() + ": expected an object with a 'weight_map' object");
  }
  std::vector<std::string> shards;
  for (const auto& [tensor, shard] : index["weight_map"].items()) {
    if (!shard.is_string())
      throw Error(ErrorCategory::model_format, index_file.string() + ": weight_map." + tensor + " is not a file name");
    if (std::find(shards.begin(), shards.end(), shard.get<std::string>()) == shards.end()) shards.push_back(shard);
  }
  return shards;
}

std::int64_t size_or_zero(const fs::path& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  return error ? 0 : static_cast<std::int64_t>(size);
}

// The blob names a snapshot's links point to.
std::set<std::string> blobs_used_by(const fs::path& snapshot) {
  std::set<std::string> blobs;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(snapshot, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_symlink(error)) blobs.insert(fs::read_symlink(it->path(), error).filename().string());
  }
  return blobs;
}

std::vector<fs::path> subfolders(const fs::path& folder) {
  std::vector<fs::path> found;
  std::error_code error;
  for (auto it = fs::directory_iterator(folder, error); !error && it != fs::directory_iterator(); it.increment(error)) {
    if (it->is_directory(error)) found.push_back(it->path());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// refs/<revision> files (revisions may hold slashes) → revision → commit.
std::map<std::string, std::string> read_refs(const fs::path& repo_folder) {
  std::map<std::string, std::string> refs;
  const fs::path root = repo_folder / "refs";
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(root, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (!it->is_regular_file(error)) continue;
    std::ifstream in(it->path());
    std::string commit;
    std::getline(in, commit);
    if (is_commit_hash(commit)) refs[fs::relative(it->path(), root, error).generic_string()] = commit;
  }
  return refs;
}

}  // namespace

struct ModelStore::Impl {
  HubSettings settings;

  fs::path run_pull(const HubReference& reference, const ProgressCallback& on_progress, std::stop_token stop);
  void fetch_files(const RepoCache& cache, const std::string& commit, const std::vector<std::string>& files,
                   ProgressMeter& meter, std::stop_token stop);
};

ModelStore::ModelStore(HubSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->settings = std::move(settings);
  if (impl_->settings.max_parallel_downloads < 1) impl_->settings.max_parallel_downloads = 1;
  if (impl_->settings.max_attempts < 1) impl_->settings.max_attempts = 1;
}

ModelStore::~ModelStore() = default;

const HubSettings& ModelStore::settings() const { return impl_->settings; }

fs::path ModelStore::pull(const HubReference& reference, const ProgressCallback& on_progress, std::stop_token stop) {
  const std::string key = impl_->settings.cache.string() + "\n" + reference.repo + "\n" + reference.revision_or_main();
  while (true) {
    std::shared_ptr<PullJob> job;
    bool leader = false;
    {
      std::lock_guard lock(jobs_mutex);
      auto& slot = jobs[key];
      if (!slot) {
        slot = std::make_shared<PullJob>();
        leader = true;
      }
      job = slot;
    }
    if (leader) {
      // Progress goes to this caller and to everyone waiting on the same pull.
      auto fan_out = [&](const Progress& progress) {
        if (on_progress) on_progress(progress);
        std::lock_guard lock(job->mutex);
        for (const auto& [id, listener] : job->listeners) listener(progress);
      };
      fs::path folder;
      std::exception_ptr error;
      try {
        folder = impl_->run_pull(reference, fan_out, stop);
      } catch (...) {
        error = std::current_exception();
      }
      {
        std::lock_guard lock(jobs_mutex);
        jobs.erase(key);
      }
      {
        std::lock_guard lock(job->mutex);
        job->done = true;
        job->folder = folder;
        job->error = error;
        job->leader_cancelled = error && stop.stop_requested();
      }
      job->finished.notify_all();
      if (error) std::rethrow_exception(error);
      return folder;
    }

    std::unique_lock lock(job->mutex);
    const int id = job->next_listener++;
    if (on_progress) job->listeners[id] = on_progress;
    job->finished.wait(lock, stop, [&] { return job->done; });
    job->listeners.erase(id);
    if (!job->done) throw cancelled(reference);
    if (job->leader_cancelled) continue;  // take over
    if (job->error) std::rethrow_exception(job->error);
    return job->folder;
  }
}

fs::path ModelStore::Impl::run_pull(const HubReference& reference, const ProgressCallback& on_progress,
                                    std::stop_token stop) {
  const RepoCache cache(settings.cache, reference.repo);
  auto find_cached = [&]() -> std::pair<std::optional<fs::path>, std::vector<std::string>> {
    const auto commit = cache.resolve_offline(reference.revision_or_main());
    if (!commit) return {std::nullopt, {"refs/" + reference.revision_or_main()}};
    auto missing = missing_model_files(cache.snapshot(*commit));
    if (!missing.empty()) return {std::nullopt, missing};
    return {cache.snapshot(*commit), {}};
  };

  if (settings.offline.value_or(false)) {
    auto [folder, missing] = find_cached();
    if (folder) return *folder;
    std::string lacks;
    for (const auto& item : missing) lacks += (lacks.empty() ? "" : ", ") + item;
    throw Error(ErrorCategory::not_found, "offline (HF_HUB_OFFLINE=1) and the cache " + settings.cache.string() +
                                              " has no complete copy of " + reference.to_string() + " (it lacks " +
                                              lacks + "); pull it while online");
  }

  HubClient hub(settings);
  RepoInfo info;
  {
    HttpSession http(settings.token);
    try {
      info = hub.repo_info(http, reference, stop);
    } catch (const Error& error) {
      // Like huggingface_hub: with the hub unreachable, a complete cached copy will do.
      if (error.category() != ErrorCategory::unavailable || stop.stop_requested()) throw;
      if (auto folder = find_cached().first) {
        logger()->warn("{}; using the cached copy {}", error.what(), folder->string());
        return *folder;
      }
      throw;
    }
  }
  for (const auto& file : info.files) check_file_name(file);
  auto listed = [&](const std::string& file) {
    return std::find(info.files.begin(), info.files.end(), file) != info.files.end();
  };

  std::vector<std::string> wanted;
  if (!settings.patterns.empty()) {
    for (const auto& file : info.files) {
      if (matches_any(settings.patterns, file)) wanted.push_back(file);
    }
    if (wanted.empty()) {
      throw Error(ErrorCategory::not_found, reference.to_string() + " has no file matching the hub patterns");
    }
  } else {
    for (const auto& file : kModelFiles) {
      if (listed(file)) wanted.push_back(file);
    }
    if (listed(kIndex)) {
      ProgressMeter quiet({});
      fetch_files(cache, info.commit, {kIndex}, quiet, stop);
      for (const auto& shard : shards_named_by(cache.snapshot(info.commit) / kIndex)) {
        check_file_name(shard);
        if (!listed(shard)) {
          throw Error(ErrorCategory::model_format, reference.to_string() + ": " + kIndex + " names the shard " + shard +
                                                       ", which the repository does not have");
        }
        if (std::find(wanted.begin(), wanted.end(), shard) == wanted.end()) wanted.push_back(shard);
      }
    } else if (!listed("model.safetensors")) {
      for (const auto& file : info.files) {
        if (file.ends_with(".safetensors")) wanted.push_back(file);
      }
    }
    if (!listed("config.json")) {
      throw Error(ErrorCategory::model_format, reference.to_string() + " has no config.json: it is not a model repository");
    }
  }

  ProgressMeter meter(on_progress);
  fetch_files(cache, info.commit, wanted, meter, stop);
  if (reference.revision_or_main() != info.commit) cache.write_ref(reference.revision_or_main(), info.commit);
  meter.finish();
  return cache.snapshot(info.commit);
}

void ModelStore::Impl::fetch_files(const RepoCache& cache, const std::string& commit,
                                   const std::vector<std::string>& files, ProgressMeter& meter, std::stop_token stop) {
  std::vector<std::string> todo;
  for (const auto& file : files) {
    if (!cache.has_file(commit, file)) todo.push_back(file);
  }
  const HubClient hub(settings);
  const std::string repo = cache.repo();
  std::vector<BlobRequest> requests(todo.size());
  parallel_for(todo.size(), settings.max_parallel_downloads, settings.token, stop,
               [&](std::size_t i, HttpSession& http, std::stop_token token) {
                 requests[i].repo = repo;
                 requests[i].file = todo[i];
                 requests[i].url = hub.file_url(repo, commit, todo[i]);
                 requests[i].meta = hub.file_meta(http, repo, commit, todo[i], token);
               });
  std::int64_t total = 0;
  std::int64_t already = 0;
  for (const auto& request : requests) {
    total += std::max<std::int64_t>(0, request.meta.size);
    already += bytes_on_disk(cache, request.meta);
  }
  meter.start(static_cast<int>(requests.size()), total, already);
  parallel_for(requests.size(), settings.max_parallel_downloads, settings.token, stop,
               [&](std::size_t i, HttpSession& http, std::stop_token token) {
                 std::error_code error;
                 if (!fs::exists(cache.blob(requests[i].meta.blob_name), error)) {
                   download_blob(http, hub, cache, requests[i], meter, token);
                 }
                 cache.link(commit, requests[i].file, requests[i].meta.blob_name);
                 meter.file_done(requests[i].file);
               });
}

std::optional<fs::path> ModelStore::find(const HubReference& reference) const {
  const RepoCache cache(impl_->settings.cache, reference.repo);
  const auto commit = cache.resolve_offline(reference.revision_or_main());
  if (!commit || !missing_model_files(cache.snapshot(*commit)).empty()) return std::nullopt;
  return cache.snapshot(*commit);
}

std::vector<StoredModel> ModelStore::list() const {
  std::vector<StoredModel> models;
  for (const fs::path& repo_folder : subfolders(impl_->settings.cache)) {
    const auto repo = repo_from_folder_name(repo_folder.filename().string());
    if (!repo) continue;
    const auto refs = read_refs(repo_folder);
    for (const fs::path& snapshot : subfolders(repo_folder / "snapshots")) {
      StoredModel model;
      model.repo = *repo;
      model.commit = snapshot.filename().string();
      model.folder = snapshot;
      for (const auto& [revision, commit] : refs) {
        if (commit == model.commit) model.revisions.push_back(revision);
      }
      std::error_code error;
      for (auto it = fs::recursive_directory_iterator(snapshot, error);
           !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_directory(error)) continue;
        ++model.files;
        model.bytes += size_or_zero(it->path());
      }
      model.complete = missing_model_files(snapshot).empty();
      models.push_back(std::move(model));
    }
  }
  return models;
}

std::int64_t ModelStore::remove(const HubReference& reference) {
  const RepoCache cache(impl_->settings.cache, reference.repo);
  std::error_code error;
  if (!fs::is_directory(cache.folder(), error)) {
    throw Error(ErrorCategory::not_found, reference.to_string() + " is not in the cache " + impl_->settings.cache.string());
  }
  std::int64_t freed = 0;
  auto remove_path = [&](const fs::path& path) {
    fs::remove_all(path, error);
    if (error) throw_io_error("cannot remove", path, error);
  };

  if (!reference.revision.empty()) {
    const auto commit = cache.resolve_offline(reference.revision);
    if (!commit || !fs::is_directory(cache.snapshot(*commit), error)) {
      throw Error(ErrorCategory::not_found, "the cache has no snapshot of " + reference.to_string());
    }
    const std::set<std::string> used = blobs_used_by(cache.snapshot(*commit));
    remove_path(cache.snapshot(*commit));
    for (const auto& [revision, ref_commit] : read_refs(cache.folder())) {
      if (ref_commit == *commit) remove_path(cache.folder() / "refs" / revision);
    }
    std::set<std::string> still_used;
    for (const fs::path& other : subfolders(cache.folder() / "snapshots")) still_used.merge(blobs_used_by(other));
    if (!subfolders(cache.folder() / "snapshots").empty()) {
      for (const auto& blob : used) {
        if (still_used.contains(blob)) continue;
        freed += size_or_zero(cache.blob(blob));
        remove_path(cache.blob(blob));
      }
      return freed;
    }
  }
  // No snapshot is left (or all were asked for): the whole folder goes, partial files included.
  for (auto it = fs::recursive_directory_iterator(cache.folder() / "blobs", error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it->is_regular_file(error)) freed += size_or_zero(it->path());
  }
  remove_path(cache.folder());
  remove_path(cache.lock_file("x").parent_path());
  return freed;
}

DiskUsage ModelStore::disk_usage() const {
  DiskUsage usage;
  usage.cache = impl_->settings.cache;
  for (const fs::path& repo_folder : subfolders(impl_->settings.cache)) {
    if (!repo_from_folder_name(repo_folder.filename().string())) continue;
    ++usage.repos;
    usage.snapshots += static_cast<int>(subfolders(repo_folder / "snapshots").size());
    std::error_code error;
    for (auto it = fs::directory_iterator(repo_folder / "blobs", error); !error && it != fs::directory_iterator();
         it.increment(error)) {
      if (!it->is_regular_file(error)) continue;
      const std::int64_t size = size_or_zero(it->path());
      (it->path().extension() == ".incomplete" ? usage.incomplete_bytes : usage.bytes) += size;
    }
  }
  return usage;
}

}  // namespace switchboard
