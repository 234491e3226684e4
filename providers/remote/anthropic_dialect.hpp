#pragma once
// Anthropic Messages (POST {base_url}/messages): system prompt as a top-level field,
// max_tokens required (defaulted), content blocks, tool_use streamed as input_json_delta.

#include "dialect.hpp"

namespace switchboard::remote {

class AnthropicDialect : public Dialect {
 public:
  // Anthropic requires max_tokens; this is sent when neither request nor catalog sets one.
  static constexpr int kDefaultMaxTokens = 4096;

  using Dialect::Dialect;

  HttpRequest build(const std::string& model, const Request& request, const GenerationOptions& options,
                    bool stream) const override;
  std::unique_ptr<StreamReader> stream_reader() const override;
  void read_whole(const nlohmann::json& body, ReplyBuilder& reply) const override;
  bool json_mode() const override { return false; }
};

}  // namespace switchboard::remote
