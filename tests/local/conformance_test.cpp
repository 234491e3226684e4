// The forward pass against Hugging Face transformers' float32 references for every family.

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "backends/backend.hpp"
#include "engine/transformer.hpp"
#include "fixtures.hpp"
#include "model/model_config.hpp"
#include "model/tensor_store.hpp"
#include "test_backends.hpp"

namespace {

using namespace switchboard::local;
using switchboard::fixtures::logit_tolerance;
using switchboard::fixtures::max_abs_difference;
using nlohmann::json;

BackendOptions backend_of_kind(const std::string& kind) {
  BackendOptions options;
  options.kind = kind;
  return options;
}

struct LoadedModel {
  LoadedModel(const std::string& name, const std::string& backend_kind)
      : folder(switchboard::fixtures::model_fixture(name)),
        config(load_model_config(folder)),
        store(folder),
        weights(load_transformer_weights(store, config)),
        backend(make_backend(backend_of_kind(backend_kind))),
        transformer(config, weights, *backend) {}

  std::vector<float> run(const std::vector<std::int32_t>& ids, bool all_logits = false) {
    KVCache cache(config, static_cast<int>(ids.size()) + 32, *backend);
    const auto logits = transformer.forward(ids, cache, all_logits);
    return {logits.begin(), logits.end()};
  }

  KVCache new_cache(std::size_t capacity) { return KVCache(config, static_cast<int>(capacity), *backend); }

  std::filesystem::path folder;
  ModelConfig config;
  TensorStore store;
  TransformerWeights weights;
  std::shared_ptr<Backend> backend;
  Transformer transformer;
};

int argmax(const float* logits, int count) { return static_cast<int>(std::max_element(logits, logits + count) - logits); }

// One case per (backend, model folder): every backend must give transformers' answers.
class Conformance : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  void SetUp() override {
    reference = switchboard::fixtures::read_reference(model_name());
    model = std::make_unique<LoadedModel>(model_name(), std::get<0>(GetParam()));
  }
  std::string model_name() const { return std::get<1>(GetParam()); }
  std::string label() const { return std::get<0>(GetParam()) + "/" + model_name(); }
  json reference;
  std::unique_ptr<LoadedModel> model;
};

TEST_P(Conformance, LastLogitsAndArgmaxAtEveryPosition) {
  for (const auto& test_case : reference["cases"]) {
    if (!test_case.contains("last_logits") || !test_case.contains("argmax_per_position")) continue;
    const std::string name = test_case["name"];
    const auto ids = test_case["input_ids"].get<std::vector<std::int32_t>>();
    const auto expected = test_case["last_logits"].get<std::vector<float>>();
    const auto logits = model->run(ids, true);
    const int vocab = model->config.vocab_size;
    ASSERT_EQ(logits.size(), ids.size() * static_cast<std::size_t>(vocab)) << name;
    const std::vector<float> last(logits.end() - vocab, logits.end());
    EXPECT_LE(max_abs_difference(last, expected), logit_tolerance(expected)) << label() << " case " << name;

    const auto argmaxes = test_case["argmax_per_position"].get<std::vector<int>>();
    const auto margins = test_case["argmax_margin_per_position"].get<std::vector<double>>();
    for (std::size_t t = 0; t < ids.size(); ++t) {
      if (margins[t] <= 1e-2) continue;
      EXPECT_EQ(argmax(logits.data() + t * vocab, vocab), argmaxes[t]) << label() << " case " << name << " position " << t;
    }
    if (test_case.contains("all_logits")) {
      const auto all = test_case["all_logits"];
      for (std::size_t t = 0; t < ids.size(); ++t) {
        const auto row = all[t].get<std::vector<float>>();
        const std::vector<float> mine(logits.begin() + t * vocab, logits.begin() + (t + 1) * vocab);
        EXPECT_LE(max_abs_difference(mine, row), logit_tolerance(row)) << label() << " all_logits position " << t;
      }
    }
  }
}

TEST_P(Conformance, ResidualStreamAtTheLastPosition) {
  for (const auto& test_case : reference["cases"]) {
    if (!test_case.contains("residual_stream_last_position")) continue;
    const auto ids = test_case["input_ids"].get<std::vector<std::int32_t>>();
    std::map<std::string, std::vector<float>> seen;
    KVCache cache = model->new_cache(ids.size());
    model->transformer.forward(ids, cache, false, [&](std::string_view stage, std::span<const float> row) {
      seen[std::string(stage)] = std::vector<float>(row.begin(), row.end());
    });
    for (const auto& [stage, expected_json] : test_case["residual_stream_last_position"].items()) {
      const auto expected = expected_json.get<std::vector<float>>();
      ASSERT_TRUE(seen.count(stage)) << "no stage " << stage;
      EXPECT_LE(max_abs_difference(seen[stage], expected), logit_tolerance(expected))
          << label() << " case " << test_case["name"] << " stage " << stage;
    }
    break;  // one case is enough to place a divergence; the logits tests cover the rest
  }
}

TEST_P(Conformance, GreedyContinuationWithTheCache) {
  for (const auto& test_case : reference["cases"]) {
    if (!test_case.contains("greedy")) continue;
    const auto ids = test_case["input_ids"].get<std::vector<std::int32_t>>();
    const auto expected = test_case["greedy"]["ids"].get<std::vector<int>>();
    const auto margins = test_case["greedy"]["top1_top2_margins"].get<std::vector<double>>();
    KVCache cache = model->new_cache(ids.size() + expected.size() + 1);
    auto logits = model->transformer.forward(ids, cache);
    for (std::size_t step = 0; step < expected.size(); ++step) {
      if (margins[step] <= 1e-2) break;  // the sequences may legitimately part here
      const int next = argmax(logits.data(), model->config.vocab_size);
      ASSERT_EQ(next, expected[step]) << label() << " case " << test_case["name"] << " step " << step;
      const std::int32_t token = next;
      logits = model->transformer.forward(std::span<const std::int32_t>(&token, 1), cache);
    }
  }
}

TEST_P(Conformance, ChunkedPrefillMatchesASinglePass) {
  for (const auto& test_case : reference["cases"]) {
    if (test_case["name"] != "kv_chunked") continue;
    const auto ids = test_case["input_ids"].get<std::vector<std::int32_t>>();
    const auto chunks = test_case["chunks"].get<std::vector<int>>();
    KVCache cache = model->new_cache(ids.size());
    std::vector<float> logits;
    std::size_t offset = 0;
    for (int chunk : chunks) {
      const auto chunk_logits = model->transformer.forward(std::span<const std::int32_t>(ids.data() + offset, chunk), cache);
      logits.assign(chunk_logits.begin(), chunk_logits.end());
      offset += chunk;
    }
    const auto single = model->run(ids);
    const auto expected = test_case["last_logits_chunked"].get<std::vector<float>>();
    EXPECT_LE(max_abs_difference(logits, expected), logit_tolerance(expected)) << label();
    // Its own single pass, to float32 rounding (a tenth of the reference tolerance).
    EXPECT_LE(max_abs_difference(logits, single), 0.1 * logit_tolerance(expected)) << label();
  }
}

INSTANTIATE_TEST_SUITE_P(Models, Conformance,
                         ::testing::Combine(::testing::ValuesIn(switchboard::testing::test_backend_kinds()),
                                            ::testing::ValuesIn(switchboard::fixtures::model_fixture_names())),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

}  // namespace
