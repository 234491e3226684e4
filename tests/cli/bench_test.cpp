// `switchboard bench` on a tiny model folder: the JSON report's keys are a contract.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"

namespace switchboard::testing {
namespace {

const std::string kTinyModel = SWITCHBOARD_TEST_DATA "/fixtures/models/qwen2";

TEST(CliBench, JsonReportHasEveryFigureAsMinMedianMax) {
  const auto result = run_cli(standard_catalog(), {"bench", "--model", kTinyModel, "--prompt-tokens", "12", "--gen-tokens", "4",
                                                   "--repetitions", "2", "--threads", "1", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto report = nlohmann::json::parse(result.out);
  EXPECT_EQ(report["model"], kTinyModel);
  EXPECT_EQ(report["backend"], "cpu");
  EXPECT_EQ(report["threads"], 1);
  EXPECT_EQ(report["prompt_tokens"], 12);
  EXPECT_EQ(report["gen_tokens"], 4);
  for (const char* figure : {"prefill_tokens_per_s", "decode_tokens_per_s", "ttft_ms", "read_bytes_per_s", "decode_roofline_share"}) {
    const auto& spread = report[figure];
    EXPECT_GT(spread["min"].get<double>(), 0) << figure;
    EXPECT_LE(spread["min"].get<double>(), spread["median"].get<double>()) << figure;
    EXPECT_LE(spread["median"].get<double>(), spread["max"].get<double>()) << figure;
  }
  EXPECT_GE(report["load_s"].get<double>(), 0);
  EXPECT_GT(report["peak_rss_bytes"].get<std::int64_t>(), 0);
  // qwen2 fixture: 2 layers of bf16 projections plus the tied 1024 x 128 output head.
  EXPECT_GT(report["weight_bytes_per_token"].get<std::int64_t>(), 1024 * 128 * 2);
  // The probe's 512 MiB buffer is freed before each repetition and not counted as the model's:
  // the tiny model's process stays far below it.
  EXPECT_LT(report["peak_rss_bytes"].get<std::int64_t>(), std::int64_t{256} << 20);
}

TEST(CliBench, MmapAndNoMmapChooseWhereTheWeightsLie) {
  const std::vector<std::string> bench{"bench", "--model", kTinyModel, "--prompt-tokens", "8", "--gen-tokens", "2",
                                       "--repetitions", "1", "--threads", "1", "--json"};
  auto with = [&](std::vector<std::string> flags) {
    flags.insert(flags.begin(), bench.begin(), bench.end());
    return run_cli(standard_catalog(), flags);
  };
  const auto mapped = with({"--mmap"}), read_in = with({"--no-mmap"}), as_chosen = with({});
  ASSERT_EQ(mapped.exit_code, 0) << mapped.err;
  ASSERT_EQ(read_in.exit_code, 0) << read_in.err;
  ASSERT_EQ(as_chosen.exit_code, 0) << as_chosen.err;
  EXPECT_EQ(nlohmann::json::parse(mapped.out)["mmap"], true);
  const auto report = nlohmann::json::parse(read_in.out);
  EXPECT_EQ(report["mmap"], false);
  EXPECT_GT(report["decode_tokens_per_s"]["min"].get<double>(), 0);
  // Left to the provider, the CPU's weights lie one way or the other, and the report says which.
  EXPECT_TRUE(nlohmann::json::parse(as_chosen.out)["mmap"].is_boolean());
  const auto both = with({"--mmap", "--no-mmap"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("exclude each other"), std::string::npos) << both.err;
}

// A catalog model is benched as the catalog serves it: its `quantize:` and `options:` stay.
TEST(CliBench, CatalogModelKeepsItsQuantizeAndOptions) {
  const auto catalog = mock_catalog("  here: { plugin: local, backend: cpu }\n"
                                    "models:\n"
                                    "  plain: { provider: here, path: \"" + kTinyModel + "\" }\n"
                                    "  eight: { provider: here, path: \"" + kTinyModel + "\", quantize: q8 }\n"
                                    "  odd: { provider: here, path: \"" + kTinyModel + "\", options: { no_such_option: 1 } }\n");
  auto bench = [&](const std::string& model) {
    return run_cli(catalog, {"bench", "--model", model, "--prompt-tokens", "8", "--gen-tokens", "2", "--repetitions", "1", "--threads",
                             "1", "--json"});
  };
  const auto plain = bench("plain"), eight = bench("eight");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ASSERT_EQ(eight.exit_code, 0) << eight.err;
  const auto plain_bytes = nlohmann::json::parse(plain.out)["weight_bytes_per_token"].get<std::int64_t>();
  const auto eight_bytes = nlohmann::json::parse(eight.out)["weight_bytes_per_token"].get<std::int64_t>();
  // bf16 projections against 8-bit values with a bf16 scale and bias per 64: 2 bytes against 1.0625.
  EXPECT_LT(eight_bytes, plain_bytes * 6 / 10);
  const auto odd = bench("odd");
  EXPECT_NE(odd.exit_code, 0);
  EXPECT_NE(odd.err.find("no_such_option"), std::string::npos) << odd.err;
}

TEST(CliBench, NeedsAModel) {
  const auto result = run_cli(standard_catalog(), {"bench"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--model"), std::string::npos);
}

}  // namespace
}  // namespace switchboard::testing
