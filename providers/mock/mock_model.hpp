#pragma once
// A mock model: replies as its options script them, streamed token by token.
//
// Load state: `pending` when opened; prepare() (or the first generate()) passes through
// `loading` for load_delay_ms and ends `ready`, or `failed` with the fail_load error.
//
// Thread safety: generate() calls on one model run concurrently and independently; they share
// nothing mutable but an atomic call counter (for fail.on_call) and the load state, which is
// guarded by a mutex that generate() takes only until the model is loaded.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "switchboard/catalog.hpp"
#include "switchboard/model.hpp"
#include "mock_config.hpp"
#include "reply_writer.hpp"

namespace switchboard::mock {

class MockModel : public Model {
 public:
  MockModel(ModelEntry entry, MockConfig config);

  ModelInfo info() const override;
  LoadState state() const override;
  LoadState prepare(std::stop_token stop = {}) override;
  Completion generate(const Request& request, const ChunkSink& on_chunk = {}, std::stop_token stop = {}) override;

 private:
  LoadState state_locked() const;
  // The reply to the conversation's last user message (or the raw prompt).
  ReplyPlan plan_reply(const Request& request, const std::string& input, const GenerationOptions& options,
                       std::int64_t prompt_tokens, std::int64_t call_number) const;

  const ModelEntry entry_;
  const MockConfig config_;
  const std::int64_t context_length_;

  std::atomic<std::int64_t> calls_{0};

  mutable std::mutex load_mutex_;
  std::condition_variable_any load_done_;
  std::atomic<LoadState::Phase> phase_{LoadState::Phase::pending};
  bool loading_ = false;           // a thread is in the load delay; guarded by load_mutex_
  Clock::time_point load_started_;  // guarded by load_mutex_
};

}  // namespace switchboard::mock
