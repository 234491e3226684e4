#include "loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace switchboard::loopback {
namespace {

std::string reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 529: return "Overloaded";
    default: return "Status";
  }
}

bool send_all(int socket, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// Reads one request; false when the peer closed the connection or sent nonsense.
bool read_request(int socket, std::string& buffer, ReceivedRequest& request) {
  std::size_t header_end;
  while ((header_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[16384];
    const ssize_t got = ::recv(socket, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  const std::string head = buffer.substr(0, header_end);
  buffer.erase(0, header_end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const auto first_space = request_line.find(' ');
  const auto second_space = request_line.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return false;
  request.method = request_line.substr(0, first_space);
  request.target = request_line.substr(first_space + 1, second_space - first_space - 1);
  request.headers.clear();
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    request.headers[lowercase(line.substr(0, colon))] = value;
  }
  std::size_t length = 0;
  if (auto it = request.headers.find("content-length"); it != request.headers.end()) length = std::stoul(it->second);
  while (buffer.size() < length) {
    char chunk[65536];
    const ssize_t got = ::recv(socket, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  request.body = buffer.substr(0, length);
  buffer.erase(0, length);
  return true;
}

}  // namespace

ScriptedResponse ScriptedResponse::json(int status, std::string body) {
  ScriptedResponse response;
  response.status = status;
  response.headers = {{"Content-Type", "application/json"}};
  response.steps = {Step::send(std::move(body))};
  return response;
}

ScriptedResponse ScriptedResponse::sse(const std::vector<std::string>& events) {
  ScriptedResponse response;
  response.headers = {{"Content-Type", "text/event-stream"}, {"Transfer-Encoding", "chunked"}};
  for (const auto& event : events) response.steps.push_back(Step::send(event + "\n\n"));
  return response;
}

ScriptedResponse ScriptedResponse::sse_data(const std::vector<std::string>& data) {
  std::vector<std::string> events;
  for (const auto& text : data) events.push_back("data: " + text);
  return sse(events);
}

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener_ < 0) throw std::runtime_error("loopback server: socket() failed");
  int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // the kernel picks a free port
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 128) != 0) {
    ::close(listener_);
    throw std::runtime_error("loopback server: cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

LoopbackServer::~LoopbackServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int socket : sockets_) ::shutdown(socket, SHUT_RDWR);
  }
  changed_.notify_all();
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  // No new connection threads can start now: the acceptor is gone.
  for (auto& thread : connections_) thread.join();
}

std::string LoopbackServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<ReceivedRequest> LoopbackServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::size_t LoopbackServer::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

void LoopbackServer::wait_for_requests(std::size_t count) const {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return requests_.size() >= count; });
}

int LoopbackServer::max_concurrent_requests() const {
  std::lock_guard lock(mutex_);
  return max_concurrent_;
}

int LoopbackServer::connections_accepted() const {
  std::lock_guard lock(mutex_);
  return accepted_;
}

void LoopbackServer::release_stalls() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  changed_.notify_all();
}

void LoopbackServer::stall() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || released_; });
}

void LoopbackServer::accept_loop() {
  for (;;) {
    const int socket = ::accept(listener_, nullptr, nullptr);
    if (socket < 0) return;  // the listener was shut down
    int yes = 1;
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(socket);
      return;
    }
    ++accepted_;
    sockets_.push_back(socket);
    connections_.emplace_back([this, socket] { serve(socket); });
  }
}

void LoopbackServer::serve(int socket) {
  std::string buffer;
  for (;;) {
    ReceivedRequest request;
    if (!read_request(socket, buffer, request)) break;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      ++active_requests_;
      max_concurrent_ = std::max(max_concurrent_, active_requests_);
    }
    changed_.notify_all();
    const ScriptedResponse response = handler_(request);
    const bool keep_open = play(socket, response, request.method == "HEAD");
    {
      std::lock_guard lock(mutex_);
      --active_requests_;
    }
    changed_.notify_all();
    if (!keep_open) break;
  }
  // Only shut down here; the descriptor is closed once no one can shut it down any more.
  ::shutdown(socket, SHUT_RDWR);
  std::lock_guard lock(mutex_);
  sockets_.erase(std::find(sockets_.begin(), sockets_.end(), socket));
  ::close(socket);
}

bool LoopbackServer::play(int socket, const ScriptedResponse& response, bool headers_only) {
  if (response.stall_before_headers) {
    stall();
    return false;
  }
  const bool chunked = std::any_of(response.headers.begin(), response.headers.end(),
                                   [](const auto& header) { return lowercase(header.first) == "transfer-encoding"; });
  std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) + "\r\n";
  for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
  if (!chunked) {
    std::size_t length = 0;
    for (const auto& step : response.steps)
      if (step.kind == Step::Kind::send) length += step.bytes.size();
    head += "Content-Length: " + std::to_string(response.announced_length.value_or(length)) + "\r\n";
  }
  head += "\r\n";
  if (!send_all(socket, head)) return false;
  if (headers_only) return true;
  for (const auto& step : response.steps) {
    switch (step.kind) {
      case Step::Kind::send: {
        if (step.bytes.empty()) break;
        std::string bytes = step.bytes;
        if (chunked) {
          char size[32];
          std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
          bytes = size + bytes + "\r\n";
        }
        if (!send_all(socket, bytes)) return false;
        break;
      }
      case Step::Kind::pause:
        std::this_thread::sleep_for(step.delay);
        break;
      case Step::Kind::drop:
        return false;
      case Step::Kind::stall:
        stall();
        return false;
    }
  }
  if (chunked && !send_all(socket, "0\r\n\r\n")) return false;
  return true;
}

}  // namespace switchboard::loopback
