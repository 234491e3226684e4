#pragma once
// OpenAI-compatible chat completions (POST {base_url}/chat/completions): OpenAI itself and the
// servers that copy it (vLLM, llama.cpp's server, Ollama, LM Studio, OpenRouter).

#include "dialect.hpp"

namespace switchboard::remote {

class OpenAiDialect : public Dialect {
 public:
  using Dialect::Dialect;

  HttpRequest build(const std::string& model, const Request& request, const GenerationOptions& options,
                    bool stream) const override;
  std::unique_ptr<StreamReader> stream_reader() const override;
  void read_whole(const nlohmann::json& body, ReplyBuilder& reply) const override;
};

}  // namespace switchboard::remote
