#include "hub_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "store/sha256.hpp"

namespace switchboard::store_test {
namespace {

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

std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool read_request(int socket, std::string& buffer, SeenRequest& request) {
  std::size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    char chunk[8192];
    const ssize_t got = ::recv(socket, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  std::istringstream head(buffer.substr(0, end));
  buffer.erase(0, end + 4);
  std::string line;
  std::getline(head, line);
  std::istringstream first(line);
  first >> request.method >> request.target;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    request.headers[lowercase(line.substr(0, colon))] = value;
  }
  return !request.method.empty();
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at - start));
    if (at == std::string::npos) return parts;
    start = at + 1;
  }
}

struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  long content_length = -1;  // when it differs from body.size() (HEAD)
  long cut_after = -1;       // close after this many body bytes
  long chunk = 0;
  int delay_ms = 0;
};

std::string reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 206: return "Partial Content";
    case 302: return "Found";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 416: return "Range Not Satisfiable";
    default: return "Status";
  }
}

Reply error_reply(int status, const std::string& code) {
  Reply reply;
  reply.status = status;
  reply.headers = {{"Content-Type", "application/json"}, {"X-Error-Code", code}};
  reply.body = nlohmann::json{{"error", code}}.dump();
  return reply;
}

}  // namespace

std::string fake_hash(const std::string& label) {
  store::Sha256 hasher;
  hasher.update(label);
  return hasher.hex_digest().substr(0, 40);
}

HubServer::HubServer() {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 64) != 0) {
    throw std::runtime_error("hub server: cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

HubServer::~HubServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (int socket : sockets_) ::shutdown(socket, SHUT_RDWR);
  }
  released_.notify_all();
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  for (auto& thread : connections_) thread.join();
}

std::string HubServer::endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string HubServer::add_repo(const std::string& name, const std::filesystem::path& folder) {
  HubRepo repo;
  repo.commit = fake_hash(name + "@1");
  repo.refs["main"] = repo.commit;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    HubFile file;
    file.content = bytes.str();
    file.lfs = entry.path().extension() == ".safetensors";
    store::Sha256 hasher;
    hasher.update(file.content);
    file.sha256 = hasher.hex_digest();
    repo.files[entry.path().filename().string()] = std::move(file);
  }
  std::lock_guard lock(mutex_);
  repos_[name] = repo;
  return repo.commit;
}

void HubServer::release(const std::string& file) {
  {
    std::lock_guard lock(mutex_);
    faults_.held.erase(file);
  }
  released_.notify_all();
}

void HubServer::edit(const std::function<void(std::map<std::string, HubRepo>&, Faults&)>& change) {
  std::lock_guard lock(mutex_);
  change(repos_, faults_);
}

std::vector<SeenRequest> HubServer::requests() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

int HubServer::downloads_of(const std::string& file) const {
  std::lock_guard lock(mutex_);
  const auto found = downloads_.find(file);
  return found == downloads_.end() ? 0 : found->second;
}

void HubServer::clear_requests() {
  std::lock_guard lock(mutex_);
  seen_.clear();
  downloads_.clear();
}

void HubServer::accept_loop() {
  for (;;) {
    const int socket = ::accept(listener_, nullptr, nullptr);
    if (socket < 0) return;
    int yes = 1;
    ::setsockopt(socket, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ::close(socket);
      return;
    }
    sockets_.push_back(socket);
    connections_.emplace_back([this, socket] { serve(socket); });
  }
}

void HubServer::serve(int socket) {
  std::string buffer;
  SeenRequest request;
  while (read_request(socket, buffer, request)) {
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(request);
    }
    if (!respond(socket, request)) break;
    request = {};
  }
  ::shutdown(socket, SHUT_RDWR);
  std::lock_guard lock(mutex_);
  sockets_.erase(std::find(sockets_.begin(), sockets_.end(), socket));
  ::close(socket);
}

bool HubServer::respond(int socket, const SeenRequest& request) {
  Reply reply;
  std::string served_file;  // set when the reply carries a file's bytes
  {
    std::lock_guard lock(mutex_);
    const std::string path = request.target.substr(0, request.target.find('?'));
    const std::vector<std::string> parts = split(path.substr(1), '/');
    const bool cdn = parts.size() == 2 && parts[0] == "cdn";
    auto authorised = [&] {
      if (!faults_.required_token || cdn) return true;
      const auto found = request.headers.find("authorization");
      return found != request.headers.end() && found->second == "Bearer " + *faults_.required_token;
    };
    auto resolve = [&](HubRepo& repo, const std::string& revision) -> std::optional<std::string> {
      if (auto ref = repo.refs.find(revision); ref != repo.refs.end()) return ref->second;
      if (revision == repo.commit) return revision;
      return std::nullopt;
    };
    // The bytes of a file, honouring Range and the faults.
    auto body_reply = [&](const std::string& name, const HubFile& file) {
      std::string content = file.content;
      if (auto instead = faults_.served_instead.find(name); instead != faults_.served_instead.end()) content = instead->second;
      long start = 0;
      if (auto range = request.headers.find("range"); range != request.headers.end() && !faults_.ignore_range) {
        start = std::stol(range->second.substr(6));  // "bytes=N-"
        if (start >= static_cast<long>(content.size())) {
          Reply refused = error_reply(416, "RangeNotSatisfiable");
          refused.headers.push_back({"Content-Range", "bytes */" + std::to_string(content.size())});
          return refused;
        }
        reply.status = 206;
        reply.headers.push_back({"Content-Range", "bytes " + std::to_string(start) + "-" +
                                                      std::to_string(content.size() - 1) + "/" + std::to_string(content.size())});
      }
      reply.headers.push_back({"Accept-Ranges", "bytes"});
      reply.body = content.substr(static_cast<std::size_t>(start));
      if (auto cut = faults_.cut_after.find(name); cut != faults_.cut_after.end() && request.method == "GET") {
        reply.cut_after = cut->second;
        faults_.cut_after.erase(cut);
      }
      reply.chunk = faults_.slow_chunk;
      reply.delay_ms = faults_.slow_delay_ms;
      if (request.method == "GET") {
        ++downloads_[name];
        served_file = name;
      }
      return reply;
    };

    if (cdn) {
      const HubFile* found = nullptr;
      std::string found_name;
      for (auto& [repo_name, repo] : repos_) {
        for (auto& [name, file] : repo.files) {
          if (file.lfs && file.sha256 == parts[1]) {
            found = &file;
            found_name = name;
          }
        }
      }
      reply = found ? body_reply(found_name, *found) : error_reply(404, "EntryNotFound");
    } else if (!authorised()) {
      reply = error_reply(401, "Unauthorized");
    } else if (parts.size() >= 6 && parts[0] == "api" && parts[1] == "models" && parts[4] == "revision") {
      const std::string name = parts[2] + "/" + parts[3];
      const std::string revision = url_decode(path.substr(path.find("/revision/") + 10));
      auto repo = repos_.find(name);
      if (auto forced = faults_.status_for_repo.find(name); forced != faults_.status_for_repo.end()) {
        reply = error_reply(forced->second, forced->second == 403 ? "GatedRepo" : "Forced");
      } else if (repo == repos_.end()) {
        reply = error_reply(404, "RepoNotFound");
      } else if (auto commit = resolve(repo->second, revision); !commit) {
        reply = error_reply(404, "RevisionNotFound");
      } else {
        nlohmann::json siblings = nlohmann::json::array();
        for (const auto& [file, content] : repo->second.files) siblings.push_back({{"rfilename", file}});
        for (const auto& file : repo->second.extra_listed) siblings.push_back({{"rfilename", file}});
        reply.headers = {{"Content-Type", "application/json"}};
        reply.body = nlohmann::json{{"id", name}, {"sha", *commit}, {"siblings", siblings}}.dump();
      }
    } else if (parts.size() >= 5 && parts[2] == "resolve") {
      const std::string name = parts[0] + "/" + parts[1];
      const std::string file_name = url_decode(path.substr(name.size() + 10 + parts[3].size() + 1));
      auto repo = repos_.find(name);
      if (auto forced = faults_.status_for_repo.find(name); forced != faults_.status_for_repo.end()) {
        reply = error_reply(forced->second, "Forced");
      } else if (repo == repos_.end() || !resolve(repo->second, url_decode(parts[3]))) {
        reply = error_reply(404, "RepoNotFound");
      } else if (auto file = repo->second.files.find(file_name); file == repo->second.files.end()) {
        reply = error_reply(404, "EntryNotFound");
      } else if (file->second.lfs) {
        reply.status = 302;
        reply.headers = {{"Location", "http://localhost:" + std::to_string(port_) + "/cdn/" + file->second.sha256},
                         {"X-Repo-Commit", repo->second.commit},
                         {"X-Linked-Etag", "\"" + file->second.sha256 + "\""},
                         {"X-Linked-Size", std::to_string(file->second.content.size())},
                         {"ETag", "\"" + fake_hash(file->second.content) + "\""}};
      } else {
        reply = body_reply(file_name, file->second);
        reply.headers.push_back({"X-Repo-Commit", repo->second.commit});
        reply.headers.push_back({"ETag", "\"" + fake_hash(file->second.content) + "\""});
      }
    } else {
      reply = error_reply(404, "NotFound");
    }
  }

  if (!served_file.empty()) {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return stopping_ || !faults_.held.contains(served_file); });
  }
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
  for (const auto& [name, value] : reply.headers) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
  if (!send_all(socket, head)) return false;
  if (request.method == "HEAD") return true;
  std::string_view body = reply.body;
  const bool cut = reply.cut_after >= 0 && reply.cut_after < static_cast<long>(body.size());
  if (cut) body = body.substr(0, static_cast<std::size_t>(reply.cut_after));
  const std::size_t chunk = reply.chunk > 0 ? static_cast<std::size_t>(reply.chunk) : body.size();
  while (!body.empty()) {
    const std::size_t take = std::min(chunk, body.size());
    if (!send_all(socket, body.substr(0, take))) return false;
    body.remove_prefix(take);
    if (reply.delay_ms > 0 && !body.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(reply.delay_ms));
  }
  return !cut;
}

}  // namespace switchboard::store_test
