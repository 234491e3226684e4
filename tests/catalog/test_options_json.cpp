// Provider and model options become JSON the way YAML's core schema types them.

#include <gtest/gtest.h>

#include "catalog_test_support.hpp"

namespace switchboard {
namespace {

using nlohmann::json;
using testing::ScopedEnv;

json provider_options(const std::string& options_yaml) {
  const Catalog catalog =
      Catalog::parse("providers:\n  p:\n    plugin: x\n" + options_yaml, "test.yaml");
  return catalog.providers().at("p").options;
}

TEST(OptionsJson, PlainScalarsAreTyped) {
  const json options = provider_options(R"(    yes: true
    no: False
    count: 42
    negative: -7
    plus: +3
    big: 18446744073709551615
    ratio: 0.25
    exponent: 1e3
    point: .5
    nothing: null
    tilde: ~
    empty:
    word: auto
    size: 6GiB
    version: 1.2.3
    hex: 0x1F
)");
  EXPECT_EQ(options.at("yes"), json(true));
  EXPECT_EQ(options.at("no"), json(false));
  EXPECT_TRUE(options.at("count").is_number_integer());
  EXPECT_EQ(options.at("count"), json(42));
  EXPECT_EQ(options.at("negative"), json(-7));
  EXPECT_EQ(options.at("plus"), json(3));
  EXPECT_TRUE(options.at("big").is_number_unsigned());
  EXPECT_EQ(options.at("big").get<std::uint64_t>(), 18446744073709551615ull);
  EXPECT_TRUE(options.at("ratio").is_number_float());
  EXPECT_EQ(options.at("ratio"), json(0.25));
  EXPECT_EQ(options.at("exponent"), json(1000.0));
  EXPECT_EQ(options.at("point"), json(0.5));
  EXPECT_TRUE(options.at("nothing").is_null());
  EXPECT_TRUE(options.at("tilde").is_null());
  EXPECT_TRUE(options.at("empty").is_null());
  EXPECT_EQ(options.at("word"), json("auto"));
  EXPECT_EQ(options.at("size"), json("6GiB"));
  EXPECT_EQ(options.at("version"), json("1.2.3"));
  EXPECT_EQ(options.at("hex"), json("0x1F"));  // only decimal numbers are typed
}

TEST(OptionsJson, QuotedScalarsStayStrings) {
  const json options = provider_options(R"(    single: 'true'
    double: "42"
    float: "0.5"
    null_word: 'null'
    tagged: !!str 7
    block: |
      12
)");
  EXPECT_EQ(options.at("single"), json("true"));
  EXPECT_EQ(options.at("double"), json("42"));
  EXPECT_EQ(options.at("float"), json("0.5"));
  EXPECT_EQ(options.at("null_word"), json("null"));
  EXPECT_EQ(options.at("tagged"), json("7"));
  EXPECT_EQ(options.at("block"), json("12\n"));
}

TEST(OptionsJson, ListsAndMapsNest) {
  const json options = provider_options(R"(    headers: { X-Trace: "on", retries: 3 }
    fallbacks: [a, 2, [true, ~]]
)");
  EXPECT_EQ(options.at("headers"), (json{{"X-Trace", "on"}, {"retries", 3}}));
  EXPECT_EQ(options.at("fallbacks"), json::parse(R"(["a", 2, [true, null]])"));
}

TEST(OptionsJson, TypingHappensAfterExpansion) {
  ScopedEnv port("SB_TEST_PORT", "8080");
  ScopedEnv flag("SB_TEST_FLAG", "true");
  const json options = provider_options(R"(    port: ${SB_TEST_PORT}
    quoted_port: "${SB_TEST_PORT}"
    flag: ${SB_TEST_FLAG}
    fallback: ${SB_TEST_UNSET_VARIABLE:-0.5}
    url: http://localhost:${SB_TEST_PORT}/v1
)");
  EXPECT_EQ(options.at("port"), json(8080));
  EXPECT_EQ(options.at("quoted_port"), json("8080"));
  EXPECT_EQ(options.at("flag"), json(true));
  EXPECT_EQ(options.at("fallback"), json(0.5));
  EXPECT_EQ(options.at("url"), json("http://localhost:8080/v1"));
}

TEST(OptionsJson, ModelOptionsPassThrough) {
  const Catalog catalog = Catalog::parse(R"(providers: { p: { plugin: local } }
models:
  m:
    provider: p
    options: { kv_cache: { type: q8, size: 4096 }, flash: yes }
)", "test.yaml");
  // "yes" is a string under YAML 1.2's core schema, unlike YAML 1.1.
  EXPECT_EQ(catalog.model("m").options,
            (json{{"kv_cache", {{"type", "q8"}, {"size", 4096}}}, {"flash", "yes"}}));
}

}  // namespace
}  // namespace switchboard
