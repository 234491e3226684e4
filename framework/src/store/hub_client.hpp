#pragma once
// The hub's HTTP API, as huggingface_hub uses it:
//   GET  {endpoint}/api/models/{repo}/revision/{revision}   → {"sha": commit, "siblings": [{"rfilename"}]}
//   HEAD {endpoint}/{repo}/resolve/{commit}/{file}           → ETag / X-Linked-Etag (SHA-256 of LFS
//                                                              files), X-Linked-Size / Content-Length
//   GET  the same URL, redirects followed (LFS files live on a CDN), Range to resume.

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "store/http_session.hpp"
#include "switchboard/model_store.hpp"

namespace switchboard::store {

// A failure that another attempt may not meet: a cut connection, a busy server (429, 5xx).
struct RetryableFailure {
  std::string message;
};

struct RepoInfo {
  std::string commit;
  std::vector<std::string> files;  // every file of the repository at that commit
};

struct FileMeta {
  std::string blob_name;              // the ETag as a file name
  std::optional<std::string> sha256;  // for LFS files: what the bytes must hash to
  std::int64_t size = -1;             // -1 when the hub did not say
};

class HubClient {
 public:
  explicit HubClient(const HubSettings& settings) : settings_(settings) {}

  RepoInfo repo_info(HttpSession& http, const HubReference& reference, std::stop_token stop) const;
  FileMeta file_meta(HttpSession& http, const std::string& repo, const std::string& commit, const std::string& file,
                     std::stop_token stop) const;
  std::string file_url(const std::string& repo, const std::string& commit, const std::string& file) const;

  // Runs `attempt` until it succeeds, retrying RetryableFailure and cut connections with a
  // doubling delay; `what` names the work in messages ("config.json of org/repo").
  void with_retries(const std::string& what, std::stop_token stop, const std::function<void()>& attempt) const;

  // The Error for an answer that is not a success: auth for 401/403, not_found for 404.
  // Throws RetryableFailure for 408, 429 and 5xx.
  [[noreturn]] static void fail_for_status(const HttpResponse& response, const std::string& what);

 private:
  const HubSettings& settings_;
};

}  // namespace switchboard::store
