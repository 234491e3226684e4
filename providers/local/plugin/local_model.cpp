#include "plugin/local_model.hpp"

#include <algorithm>
#include <chrono>

#include <switchboard/error.hpp>
#include <switchboard/log.hpp>
#include <switchboard/stop_filter.hpp>

#include "engine/sampler.hpp"
#include "plugin/prompt.hpp"
#include "streaming_detokenizer.hpp"

namespace switchboard::local {
namespace {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

SamplingParams sampling_params(const GenerationOptions& options) {
  SamplingParams params;
  params.temperature = options.temperature.value_or(1.0);
  params.top_k = options.top_k.value_or(0);
  params.top_p = options.top_p.value_or(1.0);
  params.min_p = options.min_p.value_or(0.0);
  params.repetition_penalty = options.repetition_penalty.value_or(1.0);
  params.presence_penalty = options.presence_penalty.value_or(0.0);
  params.frequency_penalty = options.frequency_penalty.value_or(0.0);
  params.seed = options.seed ? *options.seed : std::random_device{}();
  return params;
}

void check_options(const GenerationOptions& options) {
  auto bad = [](const std::string& what) { throw Error(ErrorCategory::invalid_request, what); };
  if (options.response_format && options.response_format->type != ResponseFormat::Type::text)
    bad("response_format: the local provider does not constrain output to JSON yet; ask for plain text");
  if (options.temperature && *options.temperature < 0) bad("temperature must be >= 0");
  if (options.top_p && (*options.top_p <= 0 || *options.top_p > 1)) bad("top_p must be in (0, 1]");
  if (options.top_k && *options.top_k < 0) bad("top_k must be >= 0");
  if (options.min_p && (*options.min_p < 0 || *options.min_p > 1)) bad("min_p must be in [0, 1]");
  if (options.repetition_penalty && *options.repetition_penalty <= 0) bad("repetition_penalty must be > 0");
  if (options.max_tokens && *options.max_tokens < 0) bad("max_tokens must be >= 0");
}

}  // namespace

LocalModel::LocalModel(ModelEntry entry, LocalModelSettings settings, FolderLoader loader, std::shared_ptr<Backend> backend)
    : entry_(std::move(entry)), settings_(std::move(settings)), loader_(std::move(loader)), backend_(std::move(backend)) {}

std::shared_ptr<LocalModel> LocalModel::create(ModelEntry entry, LocalModelSettings settings, FolderLoader loader,
                                               std::shared_ptr<Backend> backend) {
  return std::shared_ptr<LocalModel>(new LocalModel(std::move(entry), std::move(settings), std::move(loader), std::move(backend)));
}

int LocalModel::context_capacity() const {
  if (settings_.context > 0) return settings_.context;
  std::lock_guard lock(state_mutex_);
  const int model_limit = model_ ? model_->config.max_position_embeddings : 4096;
  return std::min(model_limit, 4096);
}

ModelInfo LocalModel::info() const {
  ModelInfo info;
  info.id = entry_.name;
  info.provider = entry_.provider;
  info.context_length = context_capacity();
  info.streaming = true;
  info.tools = false;
  info.json_mode = false;
  std::lock_guard lock(state_mutex_);
  if (model_) info.weight_bytes_per_token = static_cast<std::int64_t>(model_->weights.bytes_read_per_token());
  return info;
}

LoadState LocalModel::state() const {
  std::lock_guard lock(state_mutex_);
  return state_;
}

std::filesystem::path LocalModel::fetch(std::stop_token stop) {
  if (!settings_.source) return settings_.folder;
  ModelStore store(HubSettings::resolve(entry_.hub));
  // A complete snapshot in the cache is used as it is: no network at load time. `switchboard
  // pull` updates it.
  if (auto cached = store.find(*settings_.source)) return *cached;
  {
    std::lock_guard lock(state_mutex_);
    state_ = {LoadState::Phase::downloading, 0.0, std::nullopt};
  }
  const auto folder = store.pull(*settings_.source, [this](const Progress& progress) {
    std::lock_guard lock(state_mutex_);
    state_.progress = progress.fraction;
  }, stop);
  // Custom hub patterns may leave out what a model needs: never load a partial folder.
  if (!store.find(*settings_.source)) {
    throw Error(ErrorCategory::model_format, settings_.source->to_string() + ": the snapshot " + folder.string() +
                                                 " lacks config.json or weight files (check the catalog's hub.patterns)");
  }
  return folder;
}

void LocalModel::load(std::stop_token stop) {
  const std::filesystem::path folder = fetch(stop);
  {
    std::lock_guard lock(state_mutex_);
    state_ = {LoadState::Phase::loading, 0.0, std::nullopt};
  }
  std::unique_ptr<MemoryBudget::Lease> lease;
  if (settings_.budget) {
    MemoryBudget::Tenant tenant;
    tenant.name = entry_.name;
    tenant.weights_key = folder.string();
    tenant.need = estimate_memory(folder, settings_.load, settings_.context, settings_.prefill_chunk);
    tenant.keep_alive = settings_.keep_alive;
    tenant.unload = [weak = weak_from_this()] {
      const auto self = weak.lock();
      return !self || self->unload();
    };
    lease = settings_.budget->admit(std::move(tenant), stop);
  }
  auto loaded = loader_(folder, settings_.load);
  std::lock_guard lock(state_mutex_);
  model_ = std::move(loaded);
  lease_ = std::move(lease);
  state_ = {LoadState::Phase::ready, 1.0, std::nullopt};
}

bool LocalModel::unload() {
  std::unique_lock session(session_mutex_, std::try_to_lock);
  if (!session.owns_lock()) return false;  // generating or loading
  std::unique_ptr<MemoryBudget::Lease> lease;
  {
    std::lock_guard lock(state_mutex_);
    if (state_.phase != LoadState::Phase::ready) return false;
    model_.reset();
    state_ = {LoadState::Phase::pending, 0.0, std::nullopt};
  }
  lease = std::move(lease_);
  cache_.reset();
  cached_tokens_.clear();
  transformer_.reset();
  session.unlock();
  logger()->info("model '{}' unloaded to make room under the memory budget", entry_.name);
  return true;  // the lease goes here, after both locks
}

LoadState LocalModel::prepare(std::stop_token stop) {
  {
    std::lock_guard lock(state_mutex_);
    if (state_.phase == LoadState::Phase::ready || state_.phase == LoadState::Phase::failed) return state_;
  }
  // Loading runs under the session lock so two threads never load the same model twice.
  std::lock_guard session(session_mutex_);
  {
    std::lock_guard lock(state_mutex_);
    if (state_.phase == LoadState::Phase::ready || state_.phase == LoadState::Phase::failed) return state_;
    state_.phase = LoadState::Phase::loading;
  }
  std::optional<Error> failure;
  try {
    load(stop);
  } catch (const Error& error) {
    failure = error;
  } catch (const std::exception& error) {
    failure = Error(ErrorCategory::internal, error.what());
  }
  std::lock_guard lock(state_mutex_);
  if (!failure) return state_;
  if (stop.stop_requested()) {
    // A cancelled download or wait is no verdict on the model: the next prepare tries again
    // (and resumes the download).
    state_ = {LoadState::Phase::pending, 0.0, std::nullopt};
    return {LoadState::Phase::failed, 0.0, failure};
  }
  state_ = {LoadState::Phase::failed, 0.0, failure};
  return state_;
}

Completion LocalModel::generate(const Request& request, const ChunkSink& on_chunk, std::stop_token stop) {
  // The memory budget may unload the model between prepare() and the session lock: load again.
  for (;;) {
    const LoadState loaded = prepare(stop);
    if (loaded.phase != LoadState::Phase::ready) {
      Completion failed;
      failed.finish_reason = FinishReason::error;
      failed.error = loaded.error.value_or(Error(ErrorCategory::internal, "model did not load"));
      return failed;
    }
    std::lock_guard session(session_mutex_);
    {
      std::lock_guard lock(state_mutex_);
      if (!model_) continue;
    }
    if (lease_) lease_->set_busy(true);
    Completion completion;
    try {
      completion = run(request, on_chunk, stop);
    } catch (const Error& error) {
      completion = Completion{};
      completion.finish_reason = FinishReason::error;
      completion.error = error;
    }
    if (lease_) lease_->set_busy(false);
    return completion;
  }
}

Completion LocalModel::run(const Request& request, const ChunkSink& on_chunk, const std::stop_token& stop) {
  const auto start = Clock::now();
  const LoadedModel& model = *model_;
  const GenerationOptions options = request.options.over(entry_.defaults);
  check_options(options);

  const std::vector<std::int32_t> prompt = prompt_tokens(model, request);
  const int capacity = context_capacity();
  if (prompt.empty()) throw Error(ErrorCategory::invalid_request, "the prompt encodes to no tokens");
  if (static_cast<int>(prompt.size()) >= capacity)
    throw Error(ErrorCategory::invalid_request, "the prompt has " + std::to_string(prompt.size()) +
                                                    " tokens; the context holds " + std::to_string(capacity) +
                                                    " (set 'context' in the catalog entry to raise it)");
  if (!cache_ || cache_->capacity != capacity) {
    cache_ = std::make_unique<KVCache>(model.config, capacity, *backend_);
    cached_tokens_.clear();
  }

  // Reuse the longest common prefix of the cached conversation; at least the last prompt
  // token is evaluated again, for its logits.
  std::size_t reused = 0;
  while (reused < cached_tokens_.size() && reused < prompt.size() && cached_tokens_[reused] == prompt[reused]) ++reused;
  if (reused == prompt.size()) --reused;
  cache_->length = static_cast<int>(reused);
  cached_tokens_.resize(reused);

  Completion completion;
  completion.usage.prompt_tokens = static_cast<std::int64_t>(prompt.size());
  completion.usage.cached_prompt_tokens = static_cast<std::int64_t>(reused);

  if (!transformer_) transformer_ = std::make_unique<Transformer>(model.config, model.weights, *backend_);
  Transformer& transformer = *transformer_;
  std::span<float> logits;
  for (std::size_t offset = reused; offset < prompt.size(); offset += static_cast<std::size_t>(settings_.prefill_chunk)) {
    if (stop.stop_requested()) {
      completion.finish_reason = FinishReason::cancelled;
      completion.timings.total_ms = ms_between(start, Clock::now());
      return completion;
    }
    const std::size_t count = std::min(prompt.size() - offset, static_cast<std::size_t>(settings_.prefill_chunk));
    const std::span<const std::int32_t> chunk(prompt.data() + offset, count);
    logits = transformer.forward(chunk, *cache_);
    cached_tokens_.insert(cached_tokens_.end(), chunk.begin(), chunk.end());
  }
  const auto prefilled = Clock::now();

  std::vector<std::int32_t> eos = model.config.eos_token_ids;
  if (eos.empty() && model.tokenizer.eos_id()) eos.push_back(*model.tokenizer.eos_id());
  const int max_tokens = options.max_tokens.value_or(capacity);
  Sampler sampler(sampling_params(options), prompt);
  StreamingDetokenizer detokenizer(model.tokenizer, true);
  StopFilter stop_filter(options.stop);
  std::optional<Clock::time_point> first_token_at;
  auto deliver = [&](const std::string& text) {
    if (text.empty()) return;
    completion.text += text;
    if (on_chunk) on_chunk(Chunk{text, {}});
  };

  completion.finish_reason = FinishReason::length;
  bool stopped_by_string = false;
  while (completion.usage.completion_tokens < max_tokens) {
    if (stop.stop_requested()) {
      completion.finish_reason = FinishReason::cancelled;
      break;
    }
    const std::int32_t token = sampler.sample(logits);
    if (!first_token_at) first_token_at = Clock::now();
    if (std::find(eos.begin(), eos.end(), token) != eos.end()) {
      completion.finish_reason = FinishReason::stop;
      break;
    }
    ++completion.usage.completion_tokens;
    std::string visible;
    if (stop_filter.push(detokenizer.push(token), visible)) {
      deliver(visible);
      completion.finish_reason = FinishReason::stop;
      stopped_by_string = true;
      break;
    }
    deliver(visible);
    if (cache_->length >= capacity) break;  // the context is full: FinishReason::length
    logits = transformer.forward(std::span<const std::int32_t>(&token, 1), *cache_);
    cached_tokens_.push_back(token);
  }
  if (!stopped_by_string) {
    std::string rest;
    if (!stop_filter.push(detokenizer.finish(), rest)) stop_filter.flush(rest);
    deliver(rest);
  }

  const auto end = Clock::now();
  const std::size_t evaluated = prompt.size() - reused;
  completion.timings.total_ms = ms_between(start, end);
  completion.timings.time_to_first_token_ms = ms_between(start, first_token_at.value_or(end));
  const double prefill_ms = ms_between(start, prefilled);
  if (prefill_ms > 0) completion.timings.prompt_tokens_per_second = static_cast<double>(evaluated) * 1000.0 / prefill_ms;
  if (first_token_at && completion.usage.completion_tokens > 1) {
    completion.timings.tokens_per_second =
        static_cast<double>(completion.usage.completion_tokens - 1) * 1000.0 / ms_between(*first_token_at, end);
  }
  return completion;
}

}  // namespace switchboard::local
