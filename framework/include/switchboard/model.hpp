#pragma once
// A model bound to one provider instance: the object a host generates with.

#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>

#include "switchboard/completion.hpp"
#include "switchboard/error.hpp"
#include "switchboard/request.hpp"

namespace switchboard {

struct ModelInfo {
  std::string id;        // the catalog name
  std::string provider;  // the provider instance's name
  std::int64_t context_length = 0;  // 0 when unknown
  bool streaming = true;            // chunks arrive as they are made, not all at the end
  bool tools = false;               // understands GenerationOptions::tools
  bool json_mode = false;           // honours ResponseFormat
  // Bytes of weights one decode step reads, once loaded (0 when unknown or remote): with the
  // machine's read bandwidth, the roofline of decode speed.
  std::int64_t weight_bytes_per_token = 0;
};

struct LoadState {
  enum class Phase { pending, downloading, loading, ready, failed };
  Phase phase = Phase::pending;
  double progress = 0;         // 0..1, meaningful while downloading or loading
  std::optional<Error> error;  // set when failed
};

std::string_view to_string(LoadState::Phase phase) noexcept;

// Thread safety: every method may be called from any thread at any time. generate() may run
// concurrently on several threads; each implementation documents whether it serialises or
// batches them (ModelInfo says nothing about it: it is a property of the provider).
class BOOST_SYMBOL_VISIBLE Model {
 public:
  virtual ~Model() = default;

  virtual ModelInfo info() const = 0;
  virtual LoadState state() const = 0;

  // Blocks until the model is ready or has failed (downloading and loading as needed) and
  // returns that state. Calling it is optional: generate() prepares on first use.
  virtual LoadState prepare(std::stop_token stop = {}) = 0;

  // Writes a reply. Chunks go to `on_chunk` as they are made, on this thread. A stop request
  // from any thread ends the reply soon with FinishReason::cancelled. Failures do not throw:
  // they end the Completion with FinishReason::error and the Error, keeping the text so far.
  virtual Completion generate(const Request& request, const ChunkSink& on_chunk = {},
                              std::stop_token stop = {}) = 0;
};

}  // namespace switchboard
