#pragma once
// The cache's folders and files, by huggingface_hub's rules (its "cache-system" docs):
//
//   <cache>/models--<org>--<name>/
//     blobs/<etag>                 a file's bytes; the ETag is the SHA-256 for LFS files
//     blobs/<etag>.incomplete      a download in progress or cut (resumed by the next pull)
//     snapshots/<commit>/<file>    a relative symlink to ../../blobs/<etag> (deeper for sub/folders)
//     refs/<revision>              the commit hash a branch or tag resolved to, no newline
//   <cache>/.locks/models--<org>--<name>/<etag>.lock    held while a blob downloads
//
// Nothing here touches the network.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace switchboard::store {

namespace fs = std::filesystem;

// "models--org--name" for "org/name", and back (nullopt for folders that are not models).
std::string repo_folder_name(const std::string& repo);
std::optional<std::string> repo_from_folder_name(const std::string& folder);

bool is_commit_hash(const std::string& text);  // 40 lower-case hex digits

// Refuses (Error model_format) a hub file name that could leave the snapshot folder: empty,
// absolute, with "..", ".", empty or backslashed segments, or control characters.
void check_file_name(const std::string& name);

// The ETag header as a blob name: without W/ and quotes. Refuses one that is not a plain token.
std::string blob_name_from_etag(const std::string& etag);

class RepoCache {
 public:
  RepoCache(const fs::path& cache, const std::string& repo);

  const std::string& repo() const { return repo_; }
  const fs::path& folder() const { return folder_; }
  fs::path blob(const std::string& blob_name) const { return folder_ / "blobs" / blob_name; }
  fs::path incomplete(const std::string& blob_name) const { return blob(blob_name).string() + ".incomplete"; }
  fs::path lock_file(const std::string& blob_name) const;
  fs::path snapshot(const std::string& commit) const { return folder_ / "snapshots" / commit; }

  std::optional<std::string> read_ref(const std::string& revision) const;
  void write_ref(const std::string& revision, const std::string& commit) const;  // atomically

  // The commit a revision means offline: its ref, or itself when it is a commit with a snapshot.
  std::optional<std::string> resolve_offline(const std::string& revision) const;

  // snapshots/<commit>/<file> → ../../blobs/<blob>, replacing what was there. Refuses a path
  // that a symlinked folder would carry out of the snapshot.
  fs::path link(const std::string& commit, const std::string& file, const std::string& blob_name) const;
  // True when snapshots/<commit>/<file> exists and its blob is there.
  bool has_file(const std::string& commit, const std::string& file) const;

 private:
  std::string repo_;
  fs::path cache_;
  fs::path folder_;
  std::string repo_folder_;
};

// What a snapshot folder lacks to be loaded as a model: empty when config.json and every weight
// file (the index's shards, or model.safetensors) are present and every link resolves.
std::vector<std::string> missing_model_files(const fs::path& snapshot);

// Error(unavailable) "<what> <path>: <reason>" for disk-full, permission and other I/O failures.
[[noreturn]] void throw_io_error(const std::string& what, const fs::path& path, const std::error_code& error);
[[noreturn]] void throw_io_error(const std::string& what, const fs::path& path);  // from errno

}  // namespace switchboard::store
