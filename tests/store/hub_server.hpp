#pragma once
// A Hugging Face hub on 127.0.0.1 for the store's tests. It serves fixture model folders with the
// hub's API shapes and headers:
//
//   GET  /api/models/{org}/{name}/revision/{rev}  {"id", "sha", "siblings": [{"rfilename"}]}
//   HEAD /{org}/{name}/resolve/{rev}/{file}       small files: 200, ETag, Content-Length;
//                                                 *.safetensors (LFS): 302 to the "CDN" with
//                                                 X-Linked-Etag (the SHA-256) and X-Linked-Size
//   GET  the same, and GET /cdn/{sha256}          the bytes, with Range (206, Content-Range)
//
// The CDN lives at http://localhost:<port> (another host name for the same server), as the real
// hub sends LFS files to another host. Faults are switched on per test (see Faults). The HTTP
// side is the shared loopback server (tests/support); this file is the hub's behaviour.

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "loopback_server.hpp"

namespace switchboard::store_test {

using SeenRequest = loopback::ReceivedRequest;

struct HubFile {
  std::string content;
  bool lfs = false;
  std::string sha256;  // of the content
};

struct HubRepo {
  std::string commit;                        // 40 hex digits
  std::map<std::string, std::string> refs;   // branch or tag → commit
  std::map<std::string, HubFile> files;
  std::vector<std::string> extra_listed;     // names listed but not served (e.g. "../evil.json")
};

struct Faults {
  std::optional<std::string> required_token;  // without "Bearer <it>": 401 (the CDN needs none)
  std::map<std::string, int> status_for_repo;  // repo → forced status for every request about it
  std::map<std::string, long> cut_after;       // file → close the connection after that many body
                                                // bytes, once per entry (erased when used)
  std::map<std::string, std::string> served_instead;  // file → these bytes, under the real checksum
  long slow_chunk = 0;                          // > 0: bodies in chunks of this size...
  int slow_delay_ms = 0;                        // ...with this pause between them
  bool ignore_range = false;                    // answer Range requests with the whole file (200)
  std::set<std::string> held;                   // files whose bytes wait until release(file)
};

class HubServer {
 public:
  HubServer();
  ~HubServer();
  HubServer(const HubServer&) = delete;
  HubServer& operator=(const HubServer&) = delete;

  std::string endpoint() const { return server_.base_url(); }  // "http://127.0.0.1:<port>"
  int port() const { return server_.port(); }

  // Serves every file of `folder` as repo `name` at a made-up commit; `main` points at it.
  // *.safetensors files are LFS files. Returns the commit.
  std::string add_repo(const std::string& name, const std::filesystem::path& folder);
  // Direct access for tests that shape a repository (commits, tags, bad names).
  void edit(const std::function<void(std::map<std::string, HubRepo>&, Faults&)>& change);

  void release(const std::string& file);  // lets a held file's bytes go

  std::vector<SeenRequest> requests() const;
  // Body GETs of one file's bytes (through /resolve or the CDN) so far.
  int downloads_of(const std::string& file) const;
  void clear_requests();

 private:
  loopback::ScriptedResponse respond(const SeenRequest& request);

  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool stopping_ = false;
  std::vector<SeenRequest> seen_;
  std::map<std::string, HubRepo> repos_;
  Faults faults_;
  std::map<std::string, int> downloads_;
  loopback::LoopbackServer server_;  // last: its connection threads use everything above
};

// 40 hex digits made from a label, for commits and git-style ETags.
std::string fake_hash(const std::string& label);

}  // namespace switchboard::store_test
