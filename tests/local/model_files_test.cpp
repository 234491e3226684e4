// Model folders that are wrong in every way a download or a hand edit can make them.

#include <cstring>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <switchboard/error.hpp>

#include "engine/transformer.hpp"
#include "engine/weight_matrix.hpp"
#include "fixtures.hpp"
#include "model/model_config.hpp"
#include "model/safetensors.hpp"

namespace {

using namespace switchboard;
using namespace switchboard::local;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class TempFile {
 public:
  explicit TempFile(const std::string& bytes)
      : path_(fs::temp_directory_path() / ("sb-st-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) + ".safetensors")) {
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { fs::remove(path_); }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::string safetensors(const std::string& header, std::size_t data_bytes) {
  std::string bytes(8, '\0');
  const std::uint64_t size = header.size();
  std::memcpy(bytes.data(), &size, 8);
  return bytes + header + std::string(data_bytes, '\x01');
}

std::string load_error(const std::string& bytes, Residency residency = Residency::mapped) {
  TempFile file(bytes);
  try {
    SafetensorsFile loaded(file.path(), residency);
    return "loaded";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::model_format);
    EXPECT_THAT(error.what(), HasSubstr(file.path().string()));
    return error.what();
  }
}

TEST(Safetensors, ReadsAWellFormedFile) {
  TempFile file(safetensors(R"({"__metadata__":{"format":"mlx"},"w":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}})", 12));
  SafetensorsFile loaded(file.path());
  ASSERT_EQ(loaded.tensors().size(), 1u);
  const auto& w = loaded.tensors().at("w");
  EXPECT_EQ(w.dtype, DType::bf16);
  EXPECT_EQ(w.shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(w.bytes.size(), 12u);
  EXPECT_EQ(loaded.metadata().at("format"), "mlx");
}

TEST(Safetensors, HugePagesOnAdviceWhereTheSelectedModeIsAlwaysOrMadvise) {
  EXPECT_TRUE(huge_pages_on_advice("always [madvise] never"));
  EXPECT_TRUE(huge_pages_on_advice("[always] madvise never"));
  EXPECT_FALSE(huge_pages_on_advice("always madvise [never]"));
  EXPECT_FALSE(huge_pages_on_advice(""));
}

TEST(Safetensors, ReadIntoHugePagesHoldsTheBytesTheMappingHolds) {
  std::string data(3 << 20, '\0');  // more than one huge page, and not a whole number of them
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + i / 4096);
  const std::string header = R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"U32","shape":[786428],"data_offsets":[16,3145728]}})";
  TempFile file(safetensors(header, 0) + data);
  const SafetensorsFile mapped(file.path(), Residency::mapped), read_in(file.path(), Residency::huge_pages);
  EXPECT_EQ(read_in.residency(), Residency::huge_pages);
  ASSERT_EQ(read_in.tensors().size(), 2u);
  for (const auto& [name, view] : mapped.tensors()) {
    const auto& copy = read_in.tensors().at(name);
    EXPECT_NE(copy.bytes.data(), view.bytes.data()) << name;
    ASSERT_EQ(copy.bytes.size(), view.bytes.size()) << name;
    EXPECT_EQ(std::memcmp(copy.bytes.data(), view.bytes.data(), view.bytes.size()), 0) << name;
  }
  EXPECT_EQ(std::memcmp(read_in.tensors().at("b").bytes.data(), data.data() + 16, data.size() - 16), 0);
}

// A file larger than the memory available is mapped even where huge pages were asked for: a copy
// would get the process killed. The file is sparse, twice MemAvailable, and none of it is read.
TEST(Safetensors, AFileLargerThanTheMemoryAvailableIsMappedNotReadIn) {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t available_kb = 0;
  while (meminfo >> key >> available_kb && key != "MemAvailable:") meminfo.ignore(1 << 10, '\n');
  ASSERT_EQ(key, "MemAvailable:") << "no MemAvailable in /proc/meminfo";
  const std::uint64_t data_bytes = available_kb * 1024 * 2;
  const std::string header = R"({"w":{"dtype":"U32","shape":[)" + std::to_string(data_bytes / 4) + R"(],"data_offsets":[0,)" +
                             std::to_string(data_bytes) + "]}}";
  TempFile file(safetensors(header, 0));
  fs::resize_file(file.path(), fs::file_size(file.path()) + data_bytes);
  const SafetensorsFile loaded(file.path(), Residency::huge_pages);
  EXPECT_EQ(loaded.residency(), Residency::mapped);
  EXPECT_EQ(loaded.tensors().at("w").bytes.size(), data_bytes);
}

TEST(Safetensors, RefusesMalformedFilesWithoutReadingOutOfBounds) {
  for (Residency residency : {Residency::mapped, Residency::huge_pages}) {
    SCOPED_TRACE(residency == Residency::mapped ? "mapped" : "huge pages");
    EXPECT_THAT(load_error("abc", residency), HasSubstr("shorter than the 8-byte header length"));
    EXPECT_THAT(load_error(safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8), residency),
                HasSubstr("lie outside the data section of 8 bytes"));
  }
  EXPECT_THAT(load_error("abc"), HasSubstr("shorter than the 8-byte header length"));
  EXPECT_THAT(load_error(std::string(8, '\xff') + "{}"), HasSubstr("runs past the end of the file"));
  EXPECT_THAT(load_error(safetensors("{not json", 0)), HasSubstr("not valid JSON"));
  EXPECT_THAT(load_error(safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8)),
              HasSubstr("lie outside the data section of 8 bytes"));
  EXPECT_THAT(load_error(safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}})", 8)),
              HasSubstr("8 bytes of data for a shape of 4 f32 values"));
  EXPECT_THAT(load_error(safetensors(R"({"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8)),
              HasSubstr("unsupported dtype 'I64'"));
  EXPECT_THAT(load_error(safetensors(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4)),
              HasSubstr("non-negative integers"));
  EXPECT_THAT(load_error(safetensors(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8)),
              HasSubstr("lie outside the data section"));
  EXPECT_THAT(load_error(safetensors(R"({"w":{"shape":[1]}})", 0)), HasSubstr("expected an object with dtype, shape and data_offsets"));
}

// What parse_model_config says of `config` (a model_format error), or "parsed".
std::string config_error(const nlohmann::json& config) {
  try {
    parse_model_config(config, nullptr, "config.json");
    return "parsed";
  } catch (const Error& error) {
    EXPECT_EQ(error.category(), ErrorCategory::model_format);
    return error.what();
  }
}

TEST(ModelConfig, UnknownModelTypeListsTheSupportedOnes) {
  auto config = nlohmann::json::parse(std::ifstream(fixtures::model_fixture("llama") / "config.json"));
  config["model_type"] = "gpt_neox";
  EXPECT_THAT(config_error(config), HasSubstr("config.json: 'model_type': expected one of llama, mistral, qwen2, qwen3, phi3, gemma3_text"));
}

TEST(ModelConfig, WrongFieldsNameTheField) {
  auto config = nlohmann::json::parse(std::ifstream(fixtures::model_fixture("llama") / "config.json"));
  config["num_key_value_heads"] = 3;
  EXPECT_THAT(config_error(config), HasSubstr("'num_key_value_heads': expected a positive divisor of num_attention_heads (4)"));
  config["num_key_value_heads"] = 2;
  config["rope_scaling"] = {{"rope_type", "yarn"}, {"factor", 4.0}};
  EXPECT_THAT(config_error(config), HasSubstr("'rope_type': expected one of default, linear, llama3"));
  // Found by fuzzing: a huge layer count must be refused before anything is allocated for it.
  config["rope_scaling"] = nullptr;
  config["num_hidden_layers"] = 2000000000;
  EXPECT_THAT(config_error(config), HasSubstr("'num_hidden_layers': expected at most 1024"));
  // Found by fuzzing: a count past int's range used to wrap negative and slip past that check.
  for (const long long count : {2147483648LL, 4294967297LL, -4294967295LL}) {
    config["num_hidden_layers"] = count;
    EXPECT_THAT(config_error(config), HasSubstr("'num_hidden_layers': expected a positive integer (at most 2147483647), got " + std::to_string(count)));
  }
  config["num_hidden_layers"] = 2;
  config["head_dim"] = 4294967304ULL;
  EXPECT_THAT(config_error(config), HasSubstr("'head_dim': expected an integer (between -2147483648 and 2147483647), got 4294967304"));
}

TEST(ModelConfig, GenerationConfigEosWins) {
  const auto config = load_model_config(fixtures::model_fixture("qwen3"));
  EXPECT_EQ(config.eos_token_ids, (std::vector<std::int32_t>{1002, 1000}));  // config.json alone says 1002
  const auto gemma = load_model_config(fixtures::model_fixture("gemma3_text"));
  ASSERT_EQ(gemma.layers.size(), 3u);
  EXPECT_EQ(gemma.layers[0].sliding_window, 16);
  EXPECT_EQ(gemma.layers[1].sliding_window, 0);
  EXPECT_EQ(gemma.layers[0].rope.theta, 10000.0);
  EXPECT_EQ(gemma.layers[1].rope.theta, 1000000.0);
}

// Found by fuzzing: a Gemma 3 layer pattern of 0 divided by zero; a negative window slid nothing.
TEST(ModelConfig, WindowSettingsMustBeCounts) {
  auto config = nlohmann::json::parse(std::ifstream(fixtures::model_fixture("gemma3_text") / "config.json"));
  config.erase("layer_types");
  config["sliding_window_pattern"] = 0;
  EXPECT_THAT(config_error(config), HasSubstr("config.json: 'sliding_window_pattern': expected a positive layer count"));
  config["sliding_window_pattern"] = 2;
  EXPECT_EQ(parse_model_config(config, nullptr, "config.json").layers[1].sliding_window, 0);
  config["sliding_window"] = -1;
  EXPECT_THAT(config_error(config), HasSubstr("config.json: 'sliding_window': expected a token count (0 or null: no window), got -1"));
}

// Half a step from rounding, and up to half a step more at the far end of a group, where
// snapping the scale so that zero is exact can leave the range short.
TEST(WeightMatrix, AffineQuantizationRoundTripsWithinAStep) {
  std::vector<float> values(4 * 128);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(static_cast<float>(i) * 0.37f) * (1.0f + (i % 7));
  WeightMatrix source;
  source.name = "test";
  source.rows = 4;
  source.cols = 128;
  source.data = reinterpret_cast<const std::byte*>(values.data());
  for (int bits : {4, 8}) {
    const auto quantized = quantize_affine(source, bits, 64);
    std::vector<float> row(128);
    for (int r = 0; r < 4; ++r) {
      quantized.dequantize_row(r, row.data());
      for (int g = 0; g < 2; ++g) {
        const float* group = values.data() + r * 128 + g * 64;
        const auto [lo, hi] = std::minmax_element(group, group + 64);
        const float step = (*hi - *lo) / static_cast<float>((1 << bits) - 1);
        for (int c = 0; c < 64; ++c)
          EXPECT_NEAR(row[g * 64 + c], group[c], step * 1.05f) << bits << " bits, row " << r;
      }
    }
  }
}

}  // namespace

namespace {

TEST(ModelWeights, AShapeThatDisagreesWithConfigNamesTheTensor) {
  using namespace switchboard::local;
  auto config_json = nlohmann::json::parse(std::ifstream(switchboard::fixtures::model_fixture("llama") / "config.json"));
  config_json["intermediate_size"] = 256;
  const auto config = parse_model_config(config_json, nullptr, "config.json");
  const TensorStore store(switchboard::fixtures::model_fixture("llama"));
  try {
    load_transformer_weights(store, config);
    FAIL();
  } catch (const switchboard::Error& error) {
    EXPECT_EQ(error.category(), switchboard::ErrorCategory::model_format);
    EXPECT_THAT(error.what(), ::testing::HasSubstr("'model.layers.0.mlp.gate_proj.weight' (bf16 [384, 128]) in "));
    EXPECT_THAT(error.what(), ::testing::HasSubstr("expected shape [256, 128]"));
  }
}

TEST(ModelWeights, AMissingTensorIsNamed) {
  using namespace switchboard::local;
  auto config_json = nlohmann::json::parse(std::ifstream(switchboard::fixtures::model_fixture("llama") / "config.json"));
  config_json["num_hidden_layers"] = 3;
  const auto config = parse_model_config(config_json, nullptr, "config.json");
  const TensorStore store(switchboard::fixtures::model_fixture("llama"));
  EXPECT_THROW(
      {
        try {
          load_transformer_weights(store, config);
        } catch (const switchboard::Error& error) {
          EXPECT_THAT(error.what(), ::testing::HasSubstr("tensor 'model.layers.2.input_layernorm.weight' is missing"));
          throw;
        }
      },
      switchboard::Error);
}

}  // namespace
