#include "store/hub_client.hpp"

#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "store/cache_layout.hpp"
#include "switchboard/error.hpp"
#include "switchboard/log.hpp"

namespace switchboard::store {
namespace {

std::string header(const HttpResponse& response, const std::string& name) {
  const auto found = response.headers.find(name);
  return found == response.headers.end() ? std::string() : found->second;
}

std::optional<std::int64_t> parse_size(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

bool is_sha256(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Sleeps, waking early for a stop.
void pause(std::chrono::milliseconds delay, std::stop_token stop) {
  std::mutex mutex;
  std::condition_variable_any woken;
  std::unique_lock lock(mutex);
  woken.wait_for(lock, stop, delay, [] { return false; });
}

}  // namespace

[[noreturn]] void HubClient::fail_for_status(const HttpResponse& response, const std::string& what) {
  const long status = response.status;
  std::string detail;
  if (const std::string code = header(response, "x-error-code"); !code.empty()) detail = " [" + code + "]";
  if (const std::string message = header(response, "x-error-message"); !message.empty()) detail += " " + message;
  const std::string said = what + ": the hub answered HTTP " + std::to_string(status) + detail;
  if (status == 401) {
    throw Error(ErrorCategory::auth, said + "; the repository does not exist, is private, or the token is wrong "
                                            "(set HF_TOKEN or the catalog's hub.token)");
  }
  if (status == 403) {
    throw Error(ErrorCategory::auth, said + "; the token may not read this repository (a gated model needs its "
                                            "terms accepted on the hub)");
  }
  if (status == 404) throw Error(ErrorCategory::not_found, said + "; no such repository, revision or file");
  if (status == 408 || status == 429 || status >= 500) throw RetryableFailure{said};
  throw Error(ErrorCategory::unavailable, said);
}

void HubClient::with_retries(const std::string& what, std::stop_token stop, const std::function<void()>& attempt) const {
  auto delay = settings_.first_retry_delay;
  for (int number = 1;; ++number) {
    std::string failure;
    try {
      attempt();
      return;
    } catch (const RetryableFailure& retryable) {
      failure = retryable.message;
    } catch (const TransportFailure& transport) {
      if (transport.stopped) throw Error(ErrorCategory::unavailable, what + ": cancelled; the next pull resumes it");
      failure = what + ": " + transport.message;
    }
    if (number >= settings_.max_attempts) {
      throw Error(ErrorCategory::unavailable, failure + " (gave up after " + std::to_string(number) + " attempts)");
    }
    logger()->warn("{} (attempt {} of {}); retrying in {} ms", failure, number, settings_.max_attempts, delay.count());
    pause(delay, stop);
    if (stop.stop_requested()) throw Error(ErrorCategory::unavailable, what + ": cancelled; the next pull resumes it");
    delay *= 2;
  }
}

RepoInfo HubClient::repo_info(HttpSession& http, const HubReference& reference, std::stop_token stop) const {
  const std::string what = "listing " + reference.to_string();
  const std::string url = settings_.endpoint + "/api/models/" + reference.repo + "/revision/" +
                          escape_segment(reference.revision_or_main());
  HttpResponse response;
  with_retries(what, stop, [&] {
    response = http.get(url, stop);
    if (response.status != 200) fail_for_status(response, what);
  });
  const nlohmann::json info = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  auto malformed = [&](const std::string& why) -> RepoInfo {
    throw Error(ErrorCategory::unavailable, what + ": the hub's answer from " + url + " is not model info: " + why);
  };
  if (!info.is_object()) return malformed("not a JSON object");
  if (!info.contains("sha") || !info["sha"].is_string() || !is_commit_hash(info["sha"].get<std::string>()))
    return malformed("no 'sha' with a 40-digit commit hash");
  if (!info.contains("siblings") || !info["siblings"].is_array()) return malformed("no 'siblings' list");
  RepoInfo result;
  result.commit = info["sha"].get<std::string>();
  for (const auto& sibling : info["siblings"]) {
    if (!sibling.is_object() || !sibling.contains("rfilename") || !sibling["rfilename"].is_string())
      return malformed("a sibling without 'rfilename'");
    result.files.push_back(sibling["rfilename"].get<std::string>());
  }
  return result;
}

std::string HubClient::file_url(const std::string& repo, const std::string& commit, const std::string& file) const {
  return settings_.endpoint + "/" + repo + "/resolve/" + commit + "/" + escape_path(file);
}

FileMeta HubClient::file_meta(HttpSession& http, const std::string& repo, const std::string& commit,
                              const std::string& file, std::stop_token stop) const {
  const std::string what = file + " of " + repo;
  HttpResponse response;
  with_retries(what, stop, [&] {
    response = http.head(file_url(repo, commit, file), stop);
    if (response.status != 200 && !(response.status >= 301 && response.status <= 308)) fail_for_status(response, what);
  });
  FileMeta meta;
  std::string etag = header(response, "x-linked-etag");
  if (etag.empty()) etag = header(response, "etag");
  if (etag.empty()) {
    throw Error(ErrorCategory::unavailable, what + ": the hub sent no ETag (is " + settings_.endpoint +
                                                " a Hugging Face hub?)");
  }
  meta.blob_name = blob_name_from_etag(etag);
  if (is_sha256(meta.blob_name)) meta.sha256 = meta.blob_name;
  std::string size = header(response, "x-linked-size");
  if (size.empty() && response.status == 200) size = header(response, "content-length");
  meta.size = parse_size(size).value_or(-1);
  return meta;
}

}  // namespace switchboard::store
