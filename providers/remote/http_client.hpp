#pragma once
// The one HTTP layer of the remote provider, on libcurl: POSTs a JSON body, streams the
// response to a sink, and owns timeouts, cancellation and retries.
//
// - Connections are reused: each pooled transfer handle keeps its own connection cache, and
//   a provider keeps at most max_in_flight of them.
// - TLS peers are always verified (against ca_file when set); proxies come from the
//   environment (http_proxy, https_proxy, no_proxy), as curl reads them; HTTP/2 is used where
//   a TLS server offers it.
// - Timeouts: connect (per attempt), first byte (per attempt), idle (between reads), total
//   (the whole call, retries included).
// - A stop request wakes the transfer at once and abandons it.
// - Retries with exponential backoff and jitter on connection failures and on 408, 429, 500,
//   502, 503, 504 and 529, honouring Retry-After; never once body bytes reached the sink.

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "switchboard/error.hpp"
#include "redactor.hpp"
#include "remote_config.hpp"
#include "retry_rules.hpp"

namespace switchboard::remote {

struct HttpRequest {
  std::string url;
  HeaderList headers;
  std::string body;  // sent as the POST body
};

struct HttpResult {
  enum class Outcome {
    response,   // the server answered: see status
    cancelled,  // the stop token was triggered
    failed,     // no usable answer: see error (transport failure or timeout)
  };
  Outcome outcome = Outcome::failed;
  long status = 0;
  ResponseHeaders headers;
  // The body of an error status, capped at kMaxErrorBody; or the whole body of a success
  // when there was no sink.
  std::string body;
  std::optional<Error> error;
  bool body_reached_sink = false;
  bool retryable = false;  // a retryable status or connection failure
  int attempts = 0;
};

// Receives a successful response's body as it arrives. May throw switchboard::Error: the
// transfer is then abandoned and the error rethrown from post().
using BodySink = std::function<void(std::string_view)>;

class HttpClient {
 public:
  static constexpr std::size_t kMaxErrorBody = 1u << 20;
  static constexpr std::size_t kMaxCollectedBody = 256u << 20;

  HttpClient(const RemoteConfig& config, std::shared_ptr<const Redactor> redactor);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs the request. With a sink, a 2xx body goes to it as it arrives; without one it is
  // collected into HttpResult::body.
  HttpResult post(const HttpRequest& request, const BodySink& on_body, std::stop_token stop);

 private:
  struct Handle;
  class HandleLease;

  std::unique_ptr<Handle> take_handle();
  void return_handle(std::unique_ptr<Handle> handle);
  HttpResult attempt(Handle& handle, const HttpRequest& request, const BodySink& on_body, std::stop_token stop,
                     std::chrono::steady_clock::time_point deadline);

  const std::string provider_name_;
  const Timeouts timeouts_;
  const RetrySettings retry_;
  const std::optional<std::string> ca_file_;
  const std::size_t pool_limit_;
  const std::shared_ptr<const Redactor> redactor_;

  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<Handle>> idle_handles_;
};

}  // namespace switchboard::remote
