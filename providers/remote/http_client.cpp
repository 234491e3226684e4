#include "http_client.hpp"

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <random>

#include <curl/curl.h>

#include "switchboard/log.hpp"

namespace switchboard::remote {
namespace {

using Clock = std::chrono::steady_clock;

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

double unit_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

long long count_ms(Milliseconds duration) { return static_cast<long long>(duration.count()); }

// What one transfer learns while it runs; the target of curl's callbacks.
struct Transfer {
  const BodySink* sink = nullptr;
  long status = 0;
  ResponseHeaders headers;
  std::string body;
  bool body_reached_sink = false;
  bool body_too_large = false;
  bool response_started = false;
  Clock::time_point last_read;
  std::exception_ptr sink_error;

  bool success() const { return status >= 200 && status < 300; }
};

std::size_t receive_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  transfer.response_started = true;
  transfer.last_read = Clock::now();
  std::string_view line(data, bytes);
  if (line.starts_with("HTTP/")) {
    // A new status line: a 100 Continue or similar came first; start over.
    transfer.headers.clear();
    const auto space = line.find(' ');
    transfer.status = 0;
    if (space != std::string_view::npos)
      for (std::size_t i = space + 1; i < line.size() && std::isdigit(static_cast<unsigned char>(line[i])); ++i)
        transfer.status = transfer.status * 10 + (line[i] - '0');
    return bytes;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos)
    transfer.headers[lowercase(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  return bytes;
}

std::size_t receive_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  transfer.response_started = true;
  transfer.last_read = Clock::now();
  if (transfer.success() && transfer.sink && *transfer.sink) {
    transfer.body_reached_sink = true;
    try {
      (*transfer.sink)(std::string_view(data, bytes));
    } catch (...) {
      // Exceptions must not cross libcurl's C frames: keep it, abort the transfer, rethrow later.
      transfer.sink_error = std::current_exception();
      return 0;
    }
    return bytes;
  }
  const std::size_t cap = transfer.success() ? HttpClient::kMaxCollectedBody : HttpClient::kMaxErrorBody;
  const std::size_t room = cap - std::min(cap, transfer.body.size());
  if (transfer.success() && bytes > room) {
    transfer.body_too_large = true;
    return 0;
  }
  transfer.body.append(data, std::min(bytes, room));  // an error body is only read for its message
  return bytes;
}

// Connection failures worth another attempt when nothing reached the caller yet.
bool is_retryable_transport(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:  // only the connect timeout: the others are enforced here
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

}  // namespace

// One reusable transfer: a multi handle (which owns the connection cache) with its easy handle.
struct HttpClient::Handle {
  CURLM* multi = curl_multi_init();
  CURL* easy = curl_easy_init();
  ~Handle() {
    if (easy) curl_easy_cleanup(easy);
    if (multi) curl_multi_cleanup(multi);
  }
};

// Borrows a handle from the pool for one attempt and gives it back.
class HttpClient::HandleLease {
 public:
  explicit HandleLease(HttpClient& client) : client_(client), handle_(client.take_handle()) {}
  ~HandleLease() { client_.return_handle(std::move(handle_)); }
  Handle& operator*() { return *handle_; }

 private:
  HttpClient& client_;
  std::unique_ptr<Handle> handle_;
};

HttpClient::HttpClient(const RemoteConfig& config, std::shared_ptr<const Redactor> redactor)
    : provider_name_(config.provider_name),
      timeouts_(config.timeouts),
      retry_(config.retry),
      ca_file_(config.ca_file ? std::optional<std::string>(config.ca_file->string()) : std::nullopt),
      pool_limit_(static_cast<std::size_t>(config.max_in_flight)),
      redactor_(std::move(redactor)) {
  init_curl_once();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::take_handle() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_handles_.empty()) {
      auto handle = std::move(idle_handles_.back());
      idle_handles_.pop_back();
      return handle;
    }
  }
  auto handle = std::make_unique<Handle>();
  if (!handle->multi || !handle->easy) throw Error(ErrorCategory::internal, "libcurl could not make a transfer handle");
  return handle;
}

void HttpClient::return_handle(std::unique_ptr<Handle> handle) {
  std::lock_guard lock(pool_mutex_);
  if (idle_handles_.size() < pool_limit_) idle_handles_.push_back(std::move(handle));
}

HttpResult HttpClient::post(const HttpRequest& request, const BodySink& on_body, std::stop_token stop) {
  const auto deadline = Clock::now() + timeouts_.total;
  auto& log = *logger();
  for (int retry = 0;; ++retry) {
    HttpResult result = attempt(*HandleLease(*this), request, on_body, stop, deadline);
    result.attempts = retry + 1;
    if (result.outcome == HttpResult::Outcome::cancelled || result.body_reached_sink) return result;

    if (!result.retryable || retry >= retry_.max_retries) return result;

    const auto asked = result.outcome == HttpResult::Outcome::response ? retry_after(result.headers) : std::nullopt;
    if (asked && *asked > retry_.max_delay) {
      log.debug("remote '{}': not retrying: the server asked to wait {} ms, more than retry_max_delay_ms", provider_name_,
                count_ms(*asked));
      return result;
    }
    const auto wait = asked ? *asked : backoff_delay(retry_, retry, unit_random());
    if (Clock::now() + wait >= deadline) return result;
    log.info("remote '{}': {}; retry {} of {} in {} ms", provider_name_,
             result.outcome == HttpResult::Outcome::response ? "HTTP " + std::to_string(result.status)
                                                              : redactor_->redact(result.error->what()),
             retry + 1, retry_.max_retries, count_ms(wait));

    std::mutex mutex;
    std::condition_variable_any never_notified;
    std::unique_lock lock(mutex);
    if (never_notified.wait_for(lock, stop, wait, [] { return false; }), stop.stop_requested()) {
      HttpResult cancelled;
      cancelled.outcome = HttpResult::Outcome::cancelled;
      cancelled.attempts = retry + 1;
      return cancelled;
    }
  }
}

HttpResult HttpClient::attempt(Handle& handle, const HttpRequest& request, const BodySink& on_body,
                               std::stop_token stop, Clock::time_point deadline) {
  auto& log = *logger();
  HttpResult result;
  if (stop.stop_requested()) {
    result.outcome = HttpResult::Outcome::cancelled;
    return result;
  }
  const auto started = Clock::now();
  if (started >= deadline) {
    result.error = Error(ErrorCategory::timeout, "remote '" + provider_name_ + "': total_timeout_ms (" +
                                                     std::to_string(count_ms(timeouts_.total)) + " ms) passed");
    return result;
  }

  CURL* easy = handle.easy;
  curl_easy_reset(easy);  // keeps the connection cache, drops the previous request's options
  Transfer transfer;
  transfer.sink = &on_body;
  transfer.last_read = started;
  char curl_message[CURL_ERROR_SIZE] = {};

  curl_slist* headers = nullptr;
  log.debug("remote '{}': POST {}", provider_name_, redactor_->redact(request.url));
  for (const auto& [name, value] : request.headers) {
    headers = curl_slist_append(headers, (name + ": " + value).c_str());
    log.trace("remote '{}':   {}", provider_name_, redactor_->header_line(name, value));
  }
  // Large bodies would otherwise wait for a "100 Continue" that some servers never send.
  headers = curl_slist_append(headers, "Expect:");
  log.trace("remote '{}':   body {}", provider_name_, redactor_->redact(request.body));

  const auto connect_ms = std::min(timeouts_.connect, std::chrono::duration_cast<Milliseconds>(deadline - started));
  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::max<long long>(1, count_ms(connect_ms))));
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
  if (ca_file_) curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file_->c_str());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "switchboard-remote");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_message);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &receive_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &receive_body);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);

  CURLM* multi = handle.multi;
  curl_multi_add_handle(multi, easy);
  std::optional<Error> timed_out;
  bool cancelled = false;
  CURLcode code = CURLE_OK;
  {
    // Wakes the poll below at once when the caller stops; destroyed before the handle is reused.
    std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
    const auto owner = "remote '" + provider_name_ + "': ";
    for (;;) {
      int running = 0;
      curl_multi_perform(multi, &running);
      if (running == 0) break;
      if (stop.stop_requested()) {
        cancelled = true;
        break;
      }
      const auto now = Clock::now();
      Clock::time_point next_deadline = deadline;
      if (now >= deadline) {
        timed_out = Error(ErrorCategory::timeout,
                          owner + "total_timeout_ms (" + std::to_string(count_ms(timeouts_.total)) + " ms) passed");
        break;
      }
      if (!transfer.response_started) {
        const auto first_byte_deadline = started + timeouts_.first_byte;
        if (now >= first_byte_deadline) {
          timed_out = Error(ErrorCategory::timeout, owner + "no response within first_byte_timeout_ms (" +
                                                        std::to_string(count_ms(timeouts_.first_byte)) + " ms)");
          break;
        }
        next_deadline = std::min(next_deadline, first_byte_deadline);
      } else {
        const auto idle_deadline = transfer.last_read + timeouts_.idle;
        if (now >= idle_deadline) {
          timed_out = Error(ErrorCategory::timeout, owner + "the response stalled: nothing arrived for idle_timeout_ms (" +
                                                        std::to_string(count_ms(timeouts_.idle)) + " ms)");
          break;
        }
        next_deadline = std::min(next_deadline, idle_deadline);
      }
      const auto wait = std::chrono::duration_cast<Milliseconds>(next_deadline - now) + Milliseconds(1);
      curl_multi_poll(multi, nullptr, 0, static_cast<int>(std::clamp<long long>(count_ms(wait), 1, 1000)), nullptr);
    }
    int pending = 0;
    while (CURLMsg* message = curl_multi_info_read(multi, &pending))
      if (message->msg == CURLMSG_DONE) code = message->data.result;
  }
  curl_multi_remove_handle(multi, easy);  // abandons an unfinished transfer and its connection
  curl_slist_free_all(headers);

  if (transfer.sink_error) std::rethrow_exception(transfer.sink_error);
  result.status = transfer.status;
  result.headers = std::move(transfer.headers);
  result.body = std::move(transfer.body);
  result.body_reached_sink = transfer.body_reached_sink;
  if (cancelled) {
    result.outcome = HttpResult::Outcome::cancelled;
    log.debug("remote '{}': cancelled", provider_name_);
    return result;
  }
  if (timed_out) {
    result.outcome = HttpResult::Outcome::failed;
    result.error = std::move(timed_out);
    log.debug("remote '{}': {}", provider_name_, result.error->what());
    return result;
  }
  if (code == CURLE_OK) {
    result.outcome = HttpResult::Outcome::response;
    result.retryable = is_retryable_status(result.status);
    log.debug("remote '{}': HTTP {}", provider_name_, result.status);
    return result;
  }

  result.outcome = HttpResult::Outcome::failed;
  const auto owner = "remote '" + provider_name_ + "': ";
  const std::string detail = redactor_->redact(curl_message[0] ? curl_message : curl_easy_strerror(code));
  if (transfer.body_too_large) {
    result.error = Error(ErrorCategory::unavailable, owner + "the response is larger than " +
                                                         std::to_string(kMaxCollectedBody >> 20) + " MiB");
  } else if (code == CURLE_OPERATION_TIMEDOUT) {
    result.error = Error(ErrorCategory::timeout, owner + "could not connect within connect_timeout_ms (" +
                                                     std::to_string(count_ms(connect_ms)) + " ms): " + detail);
  } else if (transfer.response_started) {
    result.error = Error(ErrorCategory::unavailable, owner + "the connection broke during the response: " + detail);
  } else {
    result.error = Error(ErrorCategory::unavailable,
                         owner + "could not reach " + redactor_->redact(request.url) + ": " + detail);
  }
  // A connect timeout is a connection failure: worth retrying, unlike the response deadlines.
  result.retryable = is_retryable_transport(code);
  log.debug("remote '{}': {}", provider_name_, result.error->what());
  return result;
}

}  // namespace switchboard::remote
