#pragma once
// A model served by a remote API. Nothing to load: it is always ready.
//
// Thread safety: generate() may run on many threads at once. Calls share the provider's
// HTTP client (a pool of connections) and its in-flight limiter; past max_in_flight a call
// waits in a queue, where a stop request still ends it at once.

#include <memory>

#include "switchboard/model.hpp"
#include "dialect.hpp"
#include "http_client.hpp"
#include "in_flight_limiter.hpp"

namespace switchboard::remote {

// What the models of one provider instance share.
struct ProviderShared {
  RemoteConfig config;
  std::shared_ptr<const Redactor> redactor;
  std::unique_ptr<Dialect> dialect;
  std::unique_ptr<HttpClient> http;
  std::unique_ptr<InFlightLimiter> limiter;

  explicit ProviderShared(RemoteConfig config);
};

class RemoteModel : public Model {
 public:
  RemoteModel(ModelEntry entry, std::shared_ptr<ProviderShared> shared);

  ModelInfo info() const override;
  LoadState state() const override;
  LoadState prepare(std::stop_token stop = {}) override;
  // Streams (SSE) when on_chunk is set; otherwise asks for the whole reply in one body.
  Completion generate(const Request& request, const ChunkSink& on_chunk = {}, std::stop_token stop = {}) override;

 private:
  Completion run(const Request& request, const ChunkSink& on_chunk, std::stop_token stop, ReplyBuilder& reply);

  const ModelEntry entry_;
  const std::string remote_name_;
  const std::shared_ptr<ProviderShared> shared_;
};

}  // namespace switchboard::remote
