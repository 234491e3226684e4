// Fuzzes Tokenizer::from_json with arbitrary bytes parsed as JSON.
//
// Input: any bytes. When they are a JSON array of two values, those are tokenizer.json and
// tokenizer_config.json; any other JSON value is tokenizer.json alone. Bytes that are not JSON
// are skipped: nlohmann's parser is not what this target tests. A tokenizer that loads is then
// used, since a malformed file can also leave a tokenizer that only fails when it runs.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <switchboard/error.hpp>

#include "fuzz_support.hpp"
#include "tokenizer.hpp"

namespace {

void exercise(const switchboard::local::Tokenizer& tokenizer) {
  for (const bool add_special : {false, true}) {
    try {
      const std::vector<int32_t> ids = tokenizer.encode("Hello world!  ça va? 12345\n\t<s></s> ▁x", add_special);
      tokenizer.decode(ids, false);
      tokenizer.decode(ids, true);
    } catch (const switchboard::Error&) {
    }
  }
  // Every id up to a bound, one at a time and all together: decode must skip what it cannot name.
  std::vector<int32_t> ids;
  const size_t limit = std::min<size_t>(tokenizer.vocab_size() + 2, 512);
  for (size_t id = 0; id < limit; ++id) ids.push_back(static_cast<int32_t>(id));
  ids.push_back(-1);
  try {
    tokenizer.decode(ids, false);
    tokenizer.decode(ids, true);
  } catch (const switchboard::Error&) {
  }
  for (const int32_t id : ids) {
    if (const auto token = tokenizer.id_to_token(id)) tokenizer.token_to_id(*token);
    tokenizer.is_special(id);
    tokenizer.is_byte_token(id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const nlohmann::json document = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return 0;

  const bool with_config = document.is_array() && document.size() == 2;
  const nlohmann::json& tokenizer_json = with_config ? document[0] : document;
  const nlohmann::json* config = with_config ? &document[1] : nullptr;
  try {
    exercise(switchboard::local::Tokenizer::from_json(tokenizer_json, config, "fuzz/tokenizer.json"));
  } catch (const switchboard::Error&) {
  }
  return 0;
}
