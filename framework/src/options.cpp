#include <algorithm>

#include "switchboard/request.hpp"

namespace switchboard {

GenerationOptions GenerationOptions::over(const GenerationOptions& defaults) const {
  GenerationOptions merged = *this;
  auto fill = [](auto& field, const auto& fallback) {
    if (!field) field = fallback;
  };
  fill(merged.max_tokens, defaults.max_tokens);
  fill(merged.temperature, defaults.temperature);
  fill(merged.top_p, defaults.top_p);
  fill(merged.top_k, defaults.top_k);
  fill(merged.min_p, defaults.min_p);
  fill(merged.repetition_penalty, defaults.repetition_penalty);
  fill(merged.presence_penalty, defaults.presence_penalty);
  fill(merged.frequency_penalty, defaults.frequency_penalty);
  fill(merged.seed, defaults.seed);
  fill(merged.tool_choice, defaults.tool_choice);
  fill(merged.response_format, defaults.response_format);
  for (const auto& stop : defaults.stop)
    if (std::find(merged.stop.begin(), merged.stop.end(), stop) == merged.stop.end())
      merged.stop.push_back(stop);
  if (merged.tools.empty()) merged.tools = defaults.tools;
  return merged;
}

}  // namespace switchboard
