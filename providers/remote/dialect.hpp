#pragma once
// What differs between the APIs: how a Request becomes an HTTP request, and how the answer
// (one JSON body, or a stream of server-sent events) becomes a Completion.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "switchboard/request.hpp"
#include "http_client.hpp"
#include "redactor.hpp"
#include "remote_config.hpp"
#include "reply_builder.hpp"
#include "sse_parser.hpp"

namespace switchboard::remote {

// Reads one streamed reply. Throws Error for an error event or data it cannot read.
class StreamReader {
 public:
  virtual ~StreamReader() = default;
  virtual void on_event(const SseEvent& event, ReplyBuilder& reply) = 0;
  // True once the stream said the reply is whole ([DONE], message_stop, a finish reason).
  virtual bool complete() const = 0;
};

class Dialect {
 public:
  Dialect(const RemoteConfig& config, std::shared_ptr<const Redactor> redactor);
  virtual ~Dialect() = default;

  // Throws Error(invalid_request) for a request this API cannot express.
  virtual HttpRequest build(const std::string& model, const Request& request, const GenerationOptions& options,
                            bool stream) const = 0;
  virtual std::unique_ptr<StreamReader> stream_reader() const = 0;
  // Reads a whole (not streamed) reply. Throws Error for an error object or unreadable data.
  virtual void read_whole(const nlohmann::json& body, ReplyBuilder& reply) const = 0;
  // Whether ResponseFormat is honoured.
  virtual bool json_mode() const { return true; }

  // "remote 'name'": how errors and logs name this provider.
  const std::string& owner() const { return owner_; }
  const Redactor& redactor() const { return *redactor_; }
  // Parses an event or body as JSON; Error(unavailable) naming `what` when it is not JSON.
  nlohmann::json parse_json(std::string_view text, std::string_view what) const;

 protected:
  // Content-Type, Accept and the catalog's extra headers; the dialect adds its credentials.
  HeaderList base_headers(bool stream) const;

  const RemoteConfig& config_;
  std::shared_ptr<const Redactor> redactor_;
  std::string owner_;
};

std::unique_ptr<Dialect> make_dialect(const RemoteConfig& config, std::shared_ptr<const Redactor> redactor);

// Small readers that never throw on a document of the wrong shape.
namespace json_read {
std::string_view text(const nlohmann::json& object, const char* key);
const nlohmann::json* object(const nlohmann::json& object, const char* key);
const nlohmann::json* array(const nlohmann::json& object, const char* key);
std::int64_t integer(const nlohmann::json& object, const char* key);
}  // namespace json_read

}  // namespace switchboard::remote
