#pragma once
// Maps what an API says went wrong onto the framework's error categories, keeping the API's
// own message (with secrets masked).
//
//   400, 413, 422, other 4xx  invalid_request ("context length exceeded: ..." when it is that)
//   401, 403                  auth
//   404                       not_found
//   408                       timeout
//   429                       rate_limited, with Retry-After as retry_after
//   5xx, 529                  unavailable

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "switchboard/error.hpp"
#include "redactor.hpp"
#include "retry_rules.hpp"

namespace switchboard::remote {

// An error status with its body. `owner` opens the message ("remote 'openai'").
Error http_status_error(std::string_view owner, long status, const ResponseHeaders& headers, std::string_view body,
                        const Redactor& redactor);

// An error object the API sent inside a stream or a 200 body: {"error": {...}} or
// {"type": "error", "error": {...}}. The category comes from its type/status/code names.
Error api_error_object(std::string_view owner, const nlohmann::json& document, const Redactor& redactor);

}  // namespace switchboard::remote
