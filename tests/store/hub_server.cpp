#include "hub_server.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/sha256.hpp"

namespace switchboard::store_test {
namespace {

using loopback::ScriptedResponse;
using loopback::Step;

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

// What the hub answers: the status and headers, the body to send, and whether to drop the
// connection partway (a fault).
struct Reply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::size_t> announced_length;  // when the body is cut short
};

Reply error_reply(int status, const std::string& code) {
  return {status, {{"Content-Type", "application/json"}, {"X-Error-Code", code}}, nlohmann::json{{"error", code}}.dump(), {}};
}

}  // namespace

std::string fake_hash(const std::string& label) {
  store::Sha256 hasher;
  hasher.update(label);
  return hasher.hex_digest().substr(0, 40);
}

HubServer::HubServer() : server_([this](const SeenRequest& request) { return respond(request); }) {}

HubServer::~HubServer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;  // lets held files go, so the server's threads can finish
  }
  released_.notify_all();
}

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

ScriptedResponse HubServer::respond(const SeenRequest& request) {
  Reply reply;
  std::string served_file;  // set when the reply carries a file's bytes
  {
    std::lock_guard lock(mutex_);
    seen_.push_back(request);
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
        if (cut->second < static_cast<long>(reply.body.size())) {
          reply.announced_length = reply.body.size();
          reply.body.resize(static_cast<std::size_t>(cut->second));
        }
        faults_.cut_after.erase(cut);
      }
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
        reply.headers = {{"Location", "http://localhost:" + std::to_string(port()) + "/cdn/" + file->second.sha256},
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
  ScriptedResponse response;
  response.status = reply.status;
  response.headers = std::move(reply.headers);
  // HEAD is told the size; the loopback server sends no body to it.
  response.announced_length = request.method == "HEAD" ? std::optional(reply.body.size()) : reply.announced_length;
  std::size_t chunk = reply.body.size();
  std::chrono::milliseconds pause{0};
  {
    std::lock_guard lock(mutex_);
    if (faults_.slow_chunk > 0) chunk = static_cast<std::size_t>(faults_.slow_chunk);
    pause = std::chrono::milliseconds(faults_.slow_delay_ms);
  }
  for (std::size_t at = 0; at < reply.body.size(); at += chunk) {
    if (at > 0 && pause.count() > 0) response.steps.push_back(Step::pause(pause));
    response.steps.push_back(Step::send(reply.body.substr(at, chunk)));
  }
  if (reply.announced_length) response.steps.push_back(Step::drop());
  return response;
}

}  // namespace switchboard::store_test
