#pragma once
// Google Gemini (POST {base_url}/models/{model}:generateContent, or :streamGenerateContent?alt=sse
// to stream). The key goes in the x-goog-api-key header, never in the URL.

#include "dialect.hpp"

namespace switchboard::remote {

class GeminiDialect : public Dialect {
 public:
  using Dialect::Dialect;

  HttpRequest build(const std::string& model, const Request& request, const GenerationOptions& options,
                    bool stream) const override;
  std::unique_ptr<StreamReader> stream_reader() const override;
  void read_whole(const nlohmann::json& body, ReplyBuilder& reply) const override;
};

}  // namespace switchboard::remote
