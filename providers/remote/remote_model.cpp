#include "remote_model.hpp"

#include "switchboard/log.hpp"
#include "api_error.hpp"

namespace switchboard::remote {

ProviderShared::ProviderShared(RemoteConfig read)
    : config(std::move(read)),
      redactor(std::make_shared<Redactor>(config)),
      dialect(make_dialect(config, redactor)),
      http(std::make_unique<HttpClient>(config, redactor)),
      limiter(std::make_unique<InFlightLimiter>(config.max_in_flight)) {}

RemoteModel::RemoteModel(ModelEntry entry, std::shared_ptr<ProviderShared> shared)
    : entry_(std::move(entry)),
      remote_name_(entry_.remote_name.value_or(entry_.name)),
      shared_(std::move(shared)) {}

ModelInfo RemoteModel::info() const {
  ModelInfo info;
  info.id = entry_.name;
  info.provider = entry_.provider;
  info.context_length = entry_.context.value_or(0);
  info.streaming = true;
  info.tools = true;
  info.json_mode = shared_->dialect->json_mode();
  return info;
}

LoadState RemoteModel::state() const { return LoadState{LoadState::Phase::ready, 1.0, std::nullopt}; }

LoadState RemoteModel::prepare(std::stop_token) { return state(); }

Completion RemoteModel::generate(const Request& request, const ChunkSink& on_chunk, std::stop_token stop) {
  ReplyBuilder reply(on_chunk, ReplyBuilder::Clock::now());
  const auto& owner = shared_->dialect->owner();
  try {
    return run(request, on_chunk, std::move(stop), reply);
  } catch (const Error& error) {
    return reply.fail(Error(error.category(), shared_->redactor->redact(error.what()), error.retry_after()));
  } catch (const nlohmann::json::exception& error) {
    // A document of an unexpected shape: the readers avoid this, but never let it escape.
    return reply.fail(Error(ErrorCategory::unavailable,
                            shared_->redactor->redact(owner + ": unexpected response: " + error.what())));
  } catch (const std::bad_alloc&) {
    return reply.fail(Error(ErrorCategory::unavailable, owner + ": out of memory reading the response"));
  }
}

Completion RemoteModel::run(const Request& request, const ChunkSink& on_chunk, std::stop_token stop,
                            ReplyBuilder& reply) {
  const Dialect& dialect = *shared_->dialect;
  const bool stream = static_cast<bool>(on_chunk);
  const GenerationOptions options = request.options.over(entry_.defaults);
  const HttpRequest http_request = dialect.build(remote_name_, request, options, stream);

  InFlightLimiter::Slot slot(*shared_->limiter, stop);
  if (!slot.held()) return reply.finish(FinishReason::cancelled);

  SseParser parser;
  auto reader = dialect.stream_reader();
  BodySink sink;
  if (stream)
    sink = [&](std::string_view bytes) {
      parser.feed(bytes, [&](const SseEvent& event) { reader->on_event(event, reply); });
    };
  HttpResult result = shared_->http->post(http_request, sink, stop);

  switch (result.outcome) {
    case HttpResult::Outcome::cancelled:
      reply.set_finish(FinishReason::cancelled);
      return reply.finish();
    case HttpResult::Outcome::failed:
      return reply.fail(std::move(*result.error));
    case HttpResult::Outcome::response:
      break;
  }
  if (result.status < 200 || result.status >= 300)
    return reply.fail(http_status_error(dialect.owner(), result.status, result.headers, result.body, dialect.redactor()));
  if (!stream) {
    dialect.read_whole(dialect.parse_json(result.body, "the response body"), reply);
    return reply.finish();
  }
  if (!reader->complete())
    return reply.fail(Error(ErrorCategory::unavailable,
                            dialect.owner() + ": the stream ended before the reply was complete"));
  return reply.finish();
}

}  // namespace switchboard::remote
