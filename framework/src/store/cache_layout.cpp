#include "store/cache_layout.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "switchboard/error.hpp"

namespace switchboard::store {

std::string repo_folder_name(const std::string& repo) {
  std::string name = "models--" + repo;
  for (std::size_t at = name.find('/'); at != std::string::npos; at = name.find('/', at + 2)) name.replace(at, 1, "--");
  return name;
}

std::optional<std::string> repo_from_folder_name(const std::string& folder) {
  if (!folder.starts_with("models--")) return std::nullopt;
  std::string repo = folder.substr(8);
  const std::size_t separator = repo.find("--");
  if (separator == std::string::npos || separator == 0 || separator + 2 >= repo.size()) return std::nullopt;
  repo.replace(separator, 2, "/");
  return repo;
}

bool is_commit_hash(const std::string& text) {
  return text.size() == 40 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

void check_file_name(const std::string& name) {
  auto refuse = [&](const std::string& why) {
    // The name may hold anything; show it escaped.
    throw Error(ErrorCategory::model_format,
                "the hub listed an unsafe file name " + nlohmann::json(name).dump(-1, ' ', true) + ": " + why +
                    "; refusing to download from this repository");
  };
  if (name.empty()) refuse("it is empty");
  if (name.front() == '/') refuse("it is an absolute path");
  if (name.find('\\') != std::string::npos) refuse("it holds a backslash");
  if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    refuse("it holds a control character");
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = name.find('/', start);
    const std::string segment = name.substr(start, slash - start);
    if (segment.empty()) refuse("it has an empty path segment");
    if (segment == "." || segment == "..") refuse("it has a '" + segment + "' path segment");
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

std::string blob_name_from_etag(const std::string& etag) {
  std::string name = etag;
  if (name.starts_with("W/")) name.erase(0, 2);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  const bool plain = !name.empty() && name.size() <= 128 && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
  if (!plain) {
    throw Error(ErrorCategory::model_format,
                "the hub sent an ETag that cannot name a file: " + nlohmann::json(etag).dump(-1, ' ', true));
  }
  return name;
}

[[noreturn]] void throw_io_error(const std::string& what, const fs::path& path, const std::error_code& error) {
  throw Error(ErrorCategory::unavailable, what + " " + path.string() + ": " + error.message());
}

[[noreturn]] void throw_io_error(const std::string& what, const fs::path& path) {
  throw_io_error(what, path, std::error_code(errno, std::generic_category()));
}

RepoCache::RepoCache(const fs::path& cache, const std::string& repo)
    : repo_(repo), cache_(cache), folder_(cache / repo_folder_name(repo)), repo_folder_(repo_folder_name(repo)) {}

fs::path RepoCache::lock_file(const std::string& blob_name) const {
  return cache_ / ".locks" / repo_folder_ / (blob_name + ".lock");
}

std::optional<std::string> RepoCache::read_ref(const std::string& revision) const {
  std::ifstream in(folder_ / "refs" / revision);
  std::string commit;
  if (!in || !std::getline(in, commit)) return std::nullopt;
  while (!commit.empty() && (commit.back() == '\r' || commit.back() == ' ')) commit.pop_back();
  if (!is_commit_hash(commit)) return std::nullopt;
  return commit;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  const fs::path ref = folder_ / "refs" / revision;
  std::error_code error;
  fs::create_directories(ref.parent_path(), error);
  if (error) throw_io_error("cannot create folder", ref.parent_path(), error);
  const fs::path temporary = ref.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << commit;  // huggingface_hub writes the bare hash, no newline
    if (!out.flush()) throw_io_error("cannot write", temporary);
  }
  fs::rename(temporary, ref, error);
  if (error) throw_io_error("cannot write", ref, error);
}

std::optional<std::string> RepoCache::resolve_offline(const std::string& revision) const {
  if (auto commit = read_ref(revision)) return commit;
  std::error_code error;
  if (is_commit_hash(revision) && fs::is_directory(snapshot(revision), error)) return revision;
  return std::nullopt;
}

fs::path RepoCache::link(const std::string& commit, const std::string& file, const std::string& blob_name) const {
  check_file_name(file);
  const fs::path root = snapshot(commit);
  const fs::path target = root / file;
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) throw_io_error("cannot create folder", target.parent_path(), error);
  // A folder of the snapshot that is a symlink elsewhere would carry the link out of the cache.
  const fs::path real_root = fs::canonical(root, error);
  const fs::path real_parent = error ? fs::path() : fs::canonical(target.parent_path(), error);
  if (error) throw_io_error("cannot resolve", target.parent_path(), error);
  const auto [root_end, parent_it] = std::mismatch(real_root.begin(), real_root.end(), real_parent.begin(), real_parent.end());
  if (root_end != real_root.end()) {
    throw Error(ErrorCategory::model_format,
                target.string() + ": its folder leads outside the snapshot (to " + real_parent.string() + "); refusing to write there");
  }
  const fs::path relative = fs::path("..") / ".." / "blobs" / blob_name;
  fs::path link_target = relative;
  for (auto depth = fs::path(file).parent_path(); !depth.empty(); depth = depth.parent_path()) link_target = ".." / link_target;
  fs::remove(target, error);
  fs::create_symlink(link_target, target, error);
  if (error) throw_io_error("cannot create link", target, error);
  return target;
}

bool RepoCache::has_file(const std::string& commit, const std::string& file) const {
  std::error_code error;
  return fs::is_regular_file(snapshot(commit) / file, error);  // follows the link to its blob
}

std::vector<std::string> missing_model_files(const fs::path& snapshot) {
  std::vector<std::string> missing;
  std::error_code error;
  if (!fs::is_directory(snapshot, error)) return {"the snapshot folder " + snapshot.string()};
  if (!fs::is_regular_file(snapshot / "config.json", error)) missing.push_back("config.json");
  const fs::path index = snapshot / "model.safetensors.index.json";
  if (fs::is_regular_file(index, error)) {
    std::ifstream in(index, std::ios::binary);
    const nlohmann::json parsed = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("weight_map") || !parsed["weight_map"].is_object()) {
      missing.push_back("a readable model.safetensors.index.json");
    } else {
      std::vector<std::string> shards;
      for (const auto& [tensor, shard] : parsed["weight_map"].items()) {
        if (shard.is_string() && std::find(shards.begin(), shards.end(), shard.get<std::string>()) == shards.end())
          shards.push_back(shard.get<std::string>());
      }
      for (const auto& shard : shards) {
        if (!fs::is_regular_file(snapshot / shard, error)) missing.push_back(shard);
      }
    }
  } else if (!fs::is_regular_file(snapshot / "model.safetensors", error)) {
    missing.push_back("model.safetensors (or an index naming the shards)");
  }
  // Every link must reach its blob: a link whose blob was removed is a file that is missing.
  for (auto it = fs::recursive_directory_iterator(snapshot, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    if (it->is_symlink(error) && !fs::exists(it->path(), error)) {
      missing.push_back(fs::relative(it->path(), snapshot, error).string());
    }
  }
  return missing;
}

}  // namespace switchboard::store
