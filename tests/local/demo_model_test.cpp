// The demo model that ships in registry/models/tiny-shakespeare, against transformers' outputs
// for it (tests/fixtures/demo_model_reference.json, written by tools/train_demo_model).

#include <fstream>

#include <gtest/gtest.h>

#include "backends/backend.hpp"
#include "chat_template.hpp"
#include "engine/transformer.hpp"
#include "fixtures.hpp"
#include "model/model_config.hpp"
#include "tokenizer.hpp"

namespace {

using namespace switchboard::local;
namespace fs = std::filesystem;

const fs::path kFolder = fs::path(SWITCHBOARD_TEST_DATA) / ".." / "registry" / "models" / "tiny-shakespeare";

nlohmann::json demo_reference() {
  std::ifstream in(fs::path(SWITCHBOARD_TEST_DATA) / "fixtures" / "demo_model_reference.json");
  return nlohmann::json::parse(in);
}

TEST(DemoModel, MatchesTransformersTokensLogitsAndGreedyContinuation) {
  const auto reference = demo_reference();
  const auto config = load_model_config(kFolder);
  const TensorStore store(kFolder);
  const auto weights = load_transformer_weights(store, config);
  const auto tokenizer = Tokenizer::from_file(kFolder / "tokenizer.json");
  auto backend = make_cpu_backend();
  Transformer transformer(config, weights, *backend);

  for (const auto& prompt : reference["prompts"]) {
    const std::string text = prompt["text"];
    const auto ids = tokenizer.encode(text, true);
    ASSERT_EQ(ids, prompt["input_ids"].get<std::vector<std::int32_t>>()) << text;

    const auto greedy = prompt["greedy"]["ids"].get<std::vector<int>>();
    const auto margins = prompt["greedy"]["top1_top2_margins"].get<std::vector<double>>();
    KVCache cache(config, static_cast<int>(ids.size() + greedy.size()) + 1, *backend);
    auto logits = transformer.forward(ids, cache);
    const auto expected = prompt["last_logits"].get<std::vector<float>>();
    EXPECT_LE(switchboard::fixtures::max_abs_difference(std::vector<float>(logits.begin(), logits.end()), expected), switchboard::fixtures::logit_tolerance(expected)) << text;

    for (std::size_t step = 0; step < greedy.size(); ++step) {
      if (margins[step] <= 1e-2) break;  // a float32 tie: the sequences may part here
      const auto next = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
      ASSERT_EQ(next, greedy[step]) << text << " step " << step;
      logits = transformer.forward(std::span<const std::int32_t>(&next, 1), cache);
    }
  }
}

TEST(DemoModel, ChatTemplateRendersAndEncodesLikeTransformers) {
  const auto reference = demo_reference()["chat_template"];
  const auto chat = ChatTemplate::from_model_folder(kFolder);
  const auto tokenizer = Tokenizer::from_file(kFolder / "tokenizer.json");
  const nlohmann::ordered_json messages = reference["messages"];
  RenderOptions options;
  options.add_generation_prompt = true;
  const auto rendered = chat.render(messages, options);
  EXPECT_EQ(rendered, reference["with_generation_prompt"]["rendered"].get<std::string>());
  EXPECT_EQ(tokenizer.encode(rendered, false), reference["with_generation_prompt"]["ids"].get<std::vector<std::int32_t>>());
}

}  // namespace
