// The local plugin end to end, through the catalog and the public API, against the references.

#include <fstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/runtime.hpp>

#include "fixtures.hpp"
#include "model/safetensors.hpp"

namespace {

using namespace switchboard;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

// A catalog of the build's plugins with these providers: and models: lines.
std::string catalog_of(const std::string& providers, const std::string& models) {
  return std::string("plugin_paths: [\"") + SWITCHBOARD_BUILD_DIR + "/lib/switchboard/plugins\"]\nproviders:\n" + providers +
         "models:\n" + models;
}

std::string catalog_for(const std::vector<std::string>& fixtures, const std::string& extra_models = "") {
  std::string text = catalog_of("  cpu: { plugin: local, backend: cpu, threads: 1 }\n", "");
  for (const auto& name : fixtures)
    text += "  " + name + ": { provider: cpu, path: \"" + fixtures::model_fixture(name).string() + "\", context: 512 }\n";
  return text + extra_models;
}

Runtime runtime_for(const std::vector<std::string>& fixtures, const std::string& extra_models = "") {
  return Runtime(Catalog::parse(catalog_for(fixtures, extra_models), "/tmp/local-test.yaml"));
}

nlohmann::json reference_case(const std::string& fixture, const std::string& name) {
  const auto reference = fixtures::read_reference(fixture);
  for (const auto& test_case : reference["cases"])
    if (test_case["name"] == name) return test_case;
  return nullptr;
}

std::vector<Message> to_messages(const nlohmann::json& list) {
  std::vector<Message> messages;
  for (const auto& m : list) messages.push_back({*role_from_string(m["role"].get<std::string>()), m["content"], {}, {}, {}});
  return messages;
}

Request greedy(std::vector<Message> messages, int max_tokens) {
  Request request;
  request.messages = std::move(messages);
  request.options.temperature = 0;
  request.options.max_tokens = max_tokens;
  return request;
}

// Families whose chat greedy continuation has no end-of-sequence token, so the whole
// 24-token reference text is what a reply of 24 tokens must say.
class ChatGreedy : public ::testing::TestWithParam<std::string> {};

TEST_P(ChatGreedy, ReplyMatchesTransformersGreedyDecoding) {
  const auto chat = reference_case(GetParam(), "chat");
  const auto eos = fixtures::read_reference(GetParam())["special_token_ids"]["generation_eos"].get<std::vector<int>>();
  for (int id : chat["greedy"]["ids"].get<std::vector<int>>())
    ASSERT_TRUE(std::find(eos.begin(), eos.end(), id) == eos.end()) << "fixture's greedy run reaches EOS; pick another";
  auto runtime = runtime_for({GetParam()});
  std::string streamed;
  const auto reply = runtime.model(GetParam())->generate(greedy(to_messages(chat["messages"]), 24),
                                                         [&](const Chunk& chunk) { streamed += chunk.text; });
  ASSERT_FALSE(reply.error) << reply.error->what();
  EXPECT_EQ(reply.usage.prompt_tokens, chat["n_tokens"].get<int>());
  EXPECT_EQ(reply.usage.completion_tokens, 24);
  EXPECT_EQ(reply.finish_reason, FinishReason::length);
  EXPECT_EQ(reply.text, chat["greedy"]["text"].get<std::string>());
  EXPECT_EQ(streamed, reply.text);
}

INSTANTIATE_TEST_SUITE_P(Families, ChatGreedy,
                         ::testing::Values("llama", "llama_mlx_4bit", "qwen2", "qwen2_mlx_8bit", "qwen3", "gemma3_text"),
                         [](const auto& info) { return info.param; });

TEST(LocalProvider, RawPromptIsEncodedWithSpecialTokens) {
  const auto medium = reference_case("llama", "medium");
  auto runtime = runtime_for({"llama"});
  Request request;
  request.prompt = medium["text"].get<std::string>();
  request.options.temperature = 0;
  request.options.max_tokens = 24;
  const auto reply = runtime.model("llama")->generate(request);
  EXPECT_EQ(reply.usage.prompt_tokens, medium["n_tokens"].get<int>());
  EXPECT_EQ(reply.text, medium["greedy"]["text"].get<std::string>());
}

TEST(LocalProvider, SecondTurnReusesTheCachedPrefixAndAnswersTheSame) {
  const auto chat = reference_case("qwen2", "chat");
  auto messages = to_messages(chat["messages"]);
  const std::vector<Message> first_turn(messages.begin(), messages.begin() + 2);

  auto warm = runtime_for({"qwen2"});
  auto model = warm.model("qwen2");
  const auto first = model->generate(greedy(first_turn, 8));
  EXPECT_EQ(first.usage.cached_prompt_tokens, 0);
  const auto second = model->generate(greedy(messages, 24));
  EXPECT_GT(second.usage.cached_prompt_tokens, 10);
  EXPECT_LT(second.usage.cached_prompt_tokens, second.usage.prompt_tokens);
  EXPECT_EQ(second.text, chat["greedy"]["text"].get<std::string>());
  // The same conversation again reuses all but the last prompt token.
  const auto again = model->generate(greedy(messages, 24));
  EXPECT_EQ(again.usage.cached_prompt_tokens, again.usage.prompt_tokens - 1);
  EXPECT_EQ(again.text, second.text);
}

TEST(LocalProvider, ASeedReproducesASampledReply) {
  auto runtime = runtime_for({"llama"});
  auto model = runtime.model("llama");
  Request request;
  request.messages = {Message::user("def add(a, b):")};
  request.options.temperature = 0.9;
  request.options.top_p = 0.95;
  request.options.max_tokens = 16;
  request.options.seed = 1234;
  const auto a = model->generate(request);
  const auto b = model->generate(request);
  EXPECT_EQ(a.text, b.text);
  std::set<std::string> replies;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    request.options.seed = seed;
    replies.insert(model->generate(request).text);
  }
  EXPECT_GT(replies.size(), 1u) << "different seeds should sample differently";
}

TEST(LocalProvider, StopStringEndsTheReplyAndIsNeverShown) {
  const auto chat = reference_case("llama", "chat");
  const std::string full = chat["greedy"]["text"];
  const std::string stop = full.substr(10, 3);
  auto runtime = runtime_for({"llama"});
  auto request = greedy(to_messages(chat["messages"]), 24);
  request.options.stop = {stop};
  std::string streamed;
  const auto reply = runtime.model("llama")->generate(request, [&](const Chunk& chunk) { streamed += chunk.text; });
  EXPECT_EQ(reply.finish_reason, FinishReason::stop);
  EXPECT_EQ(reply.text, full.substr(0, full.find(stop)));
  EXPECT_EQ(streamed, reply.text);
}

TEST(LocalProvider, CancelFromAnotherThreadMidReply) {
  auto runtime = runtime_for({"llama"});
  auto model = runtime.model("llama");
  std::stop_source stop;
  int chunks = 0;
  // The other thread is joined inside the callback, so the stop is requested before the reply
  // goes on: left to the scheduler, a loaded machine ran the tiny model to its end of text first.
  const auto reply = model->generate(greedy({Message::user("hello")}, 400), [&](const Chunk&) {
    if (++chunks == 3) std::thread([&] { stop.request_stop(); }).join();
  }, stop.get_token());
  EXPECT_EQ(reply.finish_reason, FinishReason::cancelled);
  EXPECT_LT(reply.usage.completion_tokens, 400);
  EXPECT_GE(reply.usage.completion_tokens, 3);
}

TEST(LocalProvider, PromptLongerThanTheContextIsAClearError) {
  auto runtime = runtime_for({}, "  small: { provider: cpu, path: \"" + fixtures::model_fixture("llama").string() + "\", context: 8 }\n");
  const auto reply = runtime.model("small")->generate(greedy({Message::user("a rather long prompt that will not fit in eight")}, 4));
  EXPECT_EQ(reply.finish_reason, FinishReason::error);
  ASSERT_TRUE(reply.error);
  EXPECT_EQ(reply.error->category(), ErrorCategory::invalid_request);
  EXPECT_THAT(reply.error->what(), HasSubstr("the context holds 8"));
}

TEST(LocalProvider, BadFoldersFailTheLoadNamingTheFile) {
  const fs::path broken = fs::temp_directory_path() / ("sb-broken-model-" + std::to_string(::getpid()));
  fs::create_directories(broken);
  for (const char* file : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(fixtures::model_fixture("llama") / file, broken / file, fs::copy_options::overwrite_existing);
  {
    std::ifstream in(fixtures::model_fixture("llama") / "model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::ofstream(broken / "model.safetensors", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  auto runtime = runtime_for({}, "  truncated: { provider: cpu, path: \"" + broken.string() + "\" }\n"
                                 "  missing: { provider: cpu, path: \"" + (broken / "nope").string() + "\" }\n");
  const auto truncated = runtime.model("truncated")->prepare();
  EXPECT_EQ(truncated.phase, LoadState::Phase::failed);
  ASSERT_TRUE(truncated.error);
  EXPECT_EQ(truncated.error->category(), ErrorCategory::model_format);
  EXPECT_THAT(truncated.error->what(), HasSubstr("model.safetensors"));
  EXPECT_THAT(truncated.error->what(), HasSubstr("outside the data section"));

  const auto missing = runtime.model("missing")->generate(greedy({Message::user("hi")}, 2));
  EXPECT_EQ(missing.finish_reason, FinishReason::error);
  EXPECT_EQ(missing.error->category(), ErrorCategory::not_found);
  fs::remove_all(broken);
}

TEST(LocalProvider, ModelsOnTheSameFolderShareWeightsAndRunConcurrently) {
  auto runtime = runtime_for({"qwen3"}, "  twin: { provider: cpu, path: \"" + fixtures::model_fixture("qwen3").string() + "\", context: 512 }\n");
  const auto chat = reference_case("qwen3", "chat");
  std::string a, b;
  std::thread first([&] { a = runtime.model("qwen3")->generate(greedy(to_messages(chat["messages"]), 24)).text; });
  std::thread second([&] { b = runtime.model("twin")->generate(greedy(to_messages(chat["messages"]), 24)).text; });
  first.join();
  second.join();
  EXPECT_EQ(a, chat["greedy"]["text"].get<std::string>());
  EXPECT_EQ(b, a);
}

TEST(LocalProvider, QuantizeOnLoadKeepsTheGreedyReply) {
  auto runtime = runtime_for({}, "  q8: { provider: cpu, path: \"" + fixtures::model_fixture("llama").string() +
                                     "\", context: 512, quantize: q8 }\n");
  const auto chat = reference_case("llama", "chat");
  const auto reply = runtime.model("q8")->generate(greedy(to_messages(chat["messages"]), 4));
  // 8-bit weights move logits by far less than the smallest margins of the first steps here.
  const std::string expected = chat["greedy"]["text"];
  EXPECT_FALSE(reply.text.empty());
  EXPECT_EQ(expected.rfind(reply.text, 0), 0u) << reply.text;
}

TEST(LocalProvider, WeightsMappedOrReadIntoMemoryGiveTheSameReply) {
  const std::string folder = fixtures::model_fixture("llama").string();
  const std::string catalog = catalog_of(
      "  mapped: { plugin: local, backend: cpu, threads: 1, mmap: true }\n"
      "  read_in: { plugin: local, backend: cpu, threads: 1, mmap: false }\n",
      "  from_map: { provider: mapped, path: \"" + folder + "\", context: 512 }\n"
      "  from_memory: { provider: read_in, path: \"" + folder + "\", context: 512 }\n");
  Runtime runtime(Catalog::parse(catalog, "/tmp/local-test.yaml"));
  const auto chat = reference_case("llama", "chat");
  const auto from_map = runtime.model("from_map")->generate(greedy(to_messages(chat["messages"]), 8));
  const auto from_memory = runtime.model("from_memory")->generate(greedy(to_messages(chat["messages"]), 8));
  const std::string expected = chat["greedy"]["text"];
  EXPECT_EQ(expected.rfind(from_map.text, 0), 0u) << from_map.text;
  EXPECT_EQ(from_memory.text, from_map.text);
}

// What opening model `name` says (a config error), or "opened".
std::string config_error(Runtime& runtime, const std::string& name) {
  try {
    runtime.model(name);
    return "opened";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::config);
    return error.what();
  }
}

TEST(LocalProvider, WeightsGoToHugePagesOnTheCpuUnlessMapped) {
  Runtime runtime(Catalog::parse(catalog_of("  unset: { plugin: local, backend: cpu, threads: 1 }\n"
                                            "  mapped: { plugin: local, backend: cpu, threads: 1, mmap: true }\n"
                                            "  read_in: { plugin: local, backend: cpu, threads: 1, mmap: false }\n",
                                            ""),
                                 "/tmp/local-test.yaml"));
  EXPECT_EQ(runtime.provider("mapped")->info().details["weights"], "mapped");
  EXPECT_EQ(runtime.provider("read_in")->info().details["weights"], "huge_pages");
  EXPECT_EQ(runtime.provider("unset")->info().details["weights"], local::huge_pages_on_advice() ? "huge_pages" : "mapped");
}

TEST(LocalProvider, MmapMustBeABoolean) {
  Runtime runtime(Catalog::parse(catalog_of("  cpu: { plugin: local, backend: cpu, mmap: \"yes\" }\n", "  m: { provider: cpu, path: \"/tmp\" }\n"),
                                 "/tmp/local-test.yaml"));
  EXPECT_THAT(config_error(runtime, "m"), HasSubstr("option 'mmap': expected true or false"));
}

TEST(LocalProvider, UnknownOptionsAreConfigErrors) {
  auto runtime = runtime_for({}, "  odd: { provider: cpu, path: \"/tmp\", options: { quantise: q4 } }\n");
  EXPECT_THAT(config_error(runtime, "odd"), HasSubstr("unknown option 'quantise'"));
}

TEST(LocalProvider, PrefillChunkMustBeAPositiveWholeNumber) {
  auto runtime = runtime_for({}, "  zero: { provider: cpu, path: \"/tmp\", options: { prefill_chunk: 0 } }\n"
                                 "  text: { provider: cpu, path: \"/tmp\", options: { prefill_chunk: \"256\" } }\n"
                                 "  huge: { provider: cpu, path: \"/tmp\", options: { prefill_chunk: 100000000000 } }\n");
  for (const char* name : {"zero", "text", "huge"})
    EXPECT_THAT(config_error(runtime, name), HasSubstr("option 'prefill_chunk' expects a whole number of tokens from 1 to 65536")) << name;
}

}  // namespace
