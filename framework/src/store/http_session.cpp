#include "store/http_session.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "switchboard/error.hpp"
#include "switchboard/version.hpp"

namespace switchboard::store {
namespace {

constexpr std::size_t kMaxKeptBody = 64u << 20;  // a model-info answer is kilobytes; refuse absurd ones

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

struct Transfer {
  HttpResponse response;
  const BodySink* sink = nullptr;
  bool keep_body = false;
  bool began = false;
  bool refused = false;  // begin() or write() said stop
  std::stop_token stop;
  CURL* curl = nullptr;
};

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::string line(data, size * count);
  if (line.starts_with("HTTP/")) {
    transfer.response.headers.clear();  // a redirect's headers give way to the next response's
  } else if (const auto colon = line.find(':'); colon != std::string::npos) {
    transfer.response.headers[lowercase(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  return size * count;
}

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (!transfer.began) {
    transfer.began = true;
    curl_easy_getinfo(transfer.curl, CURLINFO_RESPONSE_CODE, &transfer.response.status);
    if (transfer.sink && transfer.sink->begin && !transfer.sink->begin(transfer.response)) {
      transfer.refused = true;
      return 0;
    }
  }
  if (transfer.keep_body) {
    if (transfer.response.body.size() + bytes > kMaxKeptBody) return 0;
    transfer.response.body.append(data, bytes);
    return bytes;
  }
  // Error answers (4xx, 5xx) of a download are not file contents: keep a little for the message.
  if (transfer.response.status >= 300) {
    if (transfer.response.body.size() < 4096) transfer.response.body.append(data, std::min<std::size_t>(bytes, 4096));
    return bytes;
  }
  if (transfer.sink && !transfer.sink->write(data, bytes)) {
    transfer.refused = true;
    return 0;
  }
  return bytes;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto& transfer = *static_cast<Transfer*>(user);
  return transfer.stop.stop_requested() ? 1 : 0;
}

}  // namespace

HttpSession::HttpSession(std::string token) : token_(std::move(token)) {
  global_init();
  curl_ = curl_easy_init();
  if (curl_ == nullptr) throw Error(ErrorCategory::internal, "libcurl could not make a handle");
}

HttpSession::~HttpSession() { curl_easy_cleanup(curl_); }

HttpResponse HttpSession::get(const std::string& url, std::stop_token stop) {
  return perform(url, false, true, 0, nullptr, stop);
}

HttpResponse HttpSession::head(const std::string& url, std::stop_token stop) {
  return perform(url, true, false, 0, nullptr, stop);
}

HttpResponse HttpSession::download(const std::string& url, std::int64_t offset, const BodySink& sink,
                                   std::stop_token stop) {
  return perform(url, false, true, offset, &sink, stop);
}

HttpResponse HttpSession::perform(const std::string& url, bool head, bool follow, std::int64_t offset,
                                  const BodySink* sink, std::stop_token stop) {
  CURL* curl = curl_;
  curl_easy_reset(curl);
  Transfer transfer;
  transfer.sink = sink;
  transfer.keep_body = sink == nullptr && !head;
  transfer.stop = stop;
  transfer.curl = curl;

  curl_slist* headers = nullptr;
  std::string authorization;
  if (!token_.empty()) {
    authorization = "Authorization: Bearer " + token_;
    headers = curl_slist_append(headers, authorization.c_str());
  }
  // The hub answers HEAD for files with the file's headers, not a compressed body's.
  headers = curl_slist_append(headers, "Accept-Encoding: identity");
  const std::string user_agent = "switchboard/" SWITCHBOARD_VERSION;

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 15L);
  // A stalled connection (under 1 byte/s for 30 s) counts as cut: the retry resumes it.
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 30L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  if (head) curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  const std::string range = std::to_string(offset) + "-";
  if (offset > 0) curl_easy_setopt(curl, CURLOPT_RANGE, range.c_str());

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &transfer.response.status);
  char* effective = nullptr;
  curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &effective);
  transfer.response.url = effective != nullptr ? effective : url;

  if (code == CURLE_OK) return std::move(transfer.response);
  if (stop.stop_requested()) throw TransportFailure{"cancelled", true};
  if (transfer.refused && code == CURLE_WRITE_ERROR) return std::move(transfer.response);  // the sink decided
  throw TransportFailure{curl_easy_strerror(code), false};
}

std::string escape_segment(const std::string& text) {
  std::string escaped;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      escaped += static_cast<char>(c);
    } else {
      escaped += '%';
      escaped += kHex[c >> 4];
      escaped += kHex[c & 0xf];
    }
  }
  return escaped;
}

std::string escape_path(const std::string& path) {
  std::string escaped;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    escaped += escape_segment(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    escaped += '/';
    start = slash + 1;
  }
  return escaped;
}

}  // namespace switchboard::store
