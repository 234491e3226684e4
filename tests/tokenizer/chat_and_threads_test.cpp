// Whole chat prompts (rendered by transformers, in chat.json) encode to the recorded ids, and one
// Tokenizer shared by several threads gives every thread the same answers.

#include <gtest/gtest.h>

#include <thread>

#include "fixture_support.hpp"

namespace switchboard::local::testing {
namespace {

TEST(ChatPrompts, RenderedPromptsEncodeLikeTokenizers) {
  size_t checked = 0;
  for (const std::string& family : kFamilies) {
    for (const auto& render : read_fixture_json(family + "/chat.json").at("renders")) {
      if (render.at("rendered").is_null()) continue;  // the template raised (mistral has none)
      const std::string rendered = render.at("rendered").get<std::string>();
      EXPECT_EQ(family_tokenizer(family).encode(rendered, false), ids_of(render.at("tokenizers_ids")))
          << family << " render " << render.at("id").get<std::string>();
      if (render.at("libraries_agree").get<bool>()) {
        EXPECT_EQ(family_tokenizer(family).encode(rendered, false), ids_of(render.at("ids")))
            << family << " render " << render.at("id").get<std::string>();
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 12u);
}

TEST(SharedTokenizer, ConcurrentEncodesAgreeWithASingleThread) {
  for (const std::string& family : {std::string("qwen3"), std::string("mistral-7b-v0.3")}) {
    const Tokenizer& tokenizer = family_tokenizer(family);
    std::vector<std::string> texts;
    std::vector<std::vector<int32_t>> expected;
    for (const auto& fixture_case : family_cases(family)) {
      texts.push_back(fixture_case.at("text").get<std::string>());
      expected.push_back(ids_of(fixture_case.at("tokenizers").at("ids_with_special")));
    }
    std::vector<std::thread> threads;
    std::vector<int> mismatches(4, 0);
    for (size_t t = 0; t < mismatches.size(); ++t) {
      threads.emplace_back([&, t] {
        for (int round = 0; round < 20; ++round) {
          for (size_t i = 0; i < texts.size(); ++i) {
            const size_t k = (i + t * 7 + round) % texts.size();
            if (tokenizer.encode(texts[k], true) != expected[k]) ++mismatches[t];
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    for (size_t t = 0; t < mismatches.size(); ++t) EXPECT_EQ(mismatches[t], 0) << family << " thread " << t;
  }
}

}  // namespace
}  // namespace switchboard::local::testing
