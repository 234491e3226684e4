// Writes a random-weight model folder shaped like a real hub model, for benchmarks: the shapes,
// file layout and bytes per weight are real, the weights are noise. Never committed.
//
//   make_bench_model --shape qwen2.5-0.5b --format mlx4 --tokenizer tests/fixtures/tokenizers/qwen3 --out /tmp/qwen-0.5b-4bit
//
// --format mlx4-mixed is 4-bit with v_proj and down_proj at 8 bits, as MLX's mixed recipes give
// those two more bits: products of one input (q/k/v) then differ in their quantization.

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/weight_matrix.hpp"

namespace {

namespace fs = std::filesystem;
using namespace switchboard::local;
using nlohmann::ordered_json;

struct Shape {
  std::string model_type;
  int hidden, layers, heads, kv_heads, ffn, vocab;
  bool qkv_bias;
  ordered_json extra_config;  // RoPE and the like
};

const std::map<std::string, Shape> kShapes = {
    {"qwen2.5-0.5b",
     {"qwen2", 896, 24, 14, 2, 4864, 151936, true,
      {{"rope_theta", 1000000.0}, {"max_position_embeddings", 32768}, {"rms_norm_eps", 1e-6}, {"use_sliding_window", false},
       {"sliding_window", 32768}, {"max_window_layers", 21}}}},
    {"llama3.2-1b",
     {"llama", 2048, 16, 32, 8, 8192, 128256, false,
      {{"rope_theta", 500000.0},
       {"max_position_embeddings", 131072},
       {"rms_norm_eps", 1e-5},
       {"head_dim", 64},
       {"rope_scaling",
        {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
         {"original_max_position_embeddings", 8192}}}}}},
};

// xorshift: fast, and a seed reproduces a folder byte for byte.
class Noise {
 public:
  explicit Noise(std::uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float next(float scale) {
    // Sum of four uniforms: close enough to a normal for weights nobody reads.
    float sum = 0;
    for (int i = 0; i < 4; ++i) {
      state_ ^= state_ << 13;
      state_ ^= state_ >> 7;
      state_ ^= state_ << 17;
      sum += static_cast<float>(state_ >> 40) / static_cast<float>(1ull << 24) - 0.5f;
    }
    return sum * scale * 1.7320508f;
  }

 private:
  std::uint64_t state_;
};

struct Tensor {
  std::string name;
  std::string dtype;
  std::vector<std::int64_t> shape;
  std::vector<std::byte> bytes;
};

std::vector<std::byte> bf16_bytes(const std::vector<float>& values) {
  std::vector<std::byte> bytes(values.size() * 2);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::uint16_t b = float_to_bf16(values[i]);
    std::memcpy(bytes.data() + 2 * i, &b, 2);
  }
  return bytes;
}

// The bits a format stores `module` with (0: bf16).
int bits_of(const std::string& format, const std::string& module) {
  if (format == "bf16") return 0;
  if (format == "mlx8") return 8;
  const bool raised = module.ends_with("v_proj") || module.ends_with("down_proj");
  return format == "mlx4-mixed" && raised ? 8 : 4;
}

class FolderWriter {
 public:
  FolderWriter(std::string format, std::uint64_t seed) : format_(std::move(format)), noise_(seed) {}

  void matrix(const std::string& module, int rows, int cols, float scale) {
    std::vector<float> values(static_cast<std::size_t>(rows) * cols);
    for (auto& v : values) v = noise_.next(scale);
    if (format_ == "bf16") {
      tensors_.push_back({module + ".weight", "BF16", {rows, cols}, bf16_bytes(values)});
      return;
    }
    const int bits = bits_of(format_, module);
    WeightMatrix source;
    source.name = module;
    source.rows = rows;
    source.cols = cols;
    source.data = reinterpret_cast<const std::byte*>(values.data());
    const WeightMatrix q = quantize_affine(source, bits, 64);
    const std::size_t value_bytes = q.row_bytes() * rows;
    const std::size_t side_bytes = static_cast<std::size_t>(rows) * (cols / 64) * 2;
    tensors_.push_back({module + ".weight", "U32", {rows, cols * bits / 32}, {q.owned.begin(), q.owned.begin() + value_bytes}});
    tensors_.push_back({module + ".scales", "BF16", {rows, cols / 64},
                        {q.owned.begin() + value_bytes, q.owned.begin() + value_bytes + side_bytes}});
    tensors_.push_back({module + ".biases", "BF16", {rows, cols / 64}, {q.owned.begin() + value_bytes + side_bytes, q.owned.end()}});
  }

  void vector(const std::string& name, int length, float mean, float scale) {
    std::vector<float> values(static_cast<std::size_t>(length));
    for (auto& v : values) v = mean + noise_.next(scale);
    tensors_.push_back({name, "BF16", {length}, bf16_bytes(values)});
  }

  void write(const fs::path& file) const {
    ordered_json header;
    header["__metadata__"] = {{"format", format_ == "bf16" ? "pt" : "mlx"}};
    std::size_t offset = 0;
    for (const auto& t : tensors_) {
      header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + t.bytes.size()}}};
      offset += t.bytes.size();
    }
    std::string text = header.dump();
    text.append((8 - text.size() % 8) % 8, ' ');  // keep the data 8-byte aligned
    std::ofstream out(file, std::ios::binary);
    const std::uint64_t size = text.size();
    out.write(reinterpret_cast<const char*>(&size), 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& t : tensors_) out.write(reinterpret_cast<const char*>(t.bytes.data()), static_cast<std::streamsize>(t.bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }

 private:
  std::string format_;
  Noise noise_;
  std::vector<Tensor> tensors_;
};

int usage(const char* why) {
  std::cerr << "make_bench_model: " << why << "\n"
            << "usage: make_bench_model --shape qwen2.5-0.5b|llama3.2-1b --format mlx4|mlx4-mixed|mlx8|bf16 --tokenizer DIR --out DIR [--seed N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args{{"--seed", "1"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return usage("every flag takes a value");
  for (const char* required : {"--shape", "--format", "--tokenizer", "--out"})
    if (!args.count(required)) return usage((std::string("missing ") + required).c_str());
  const auto shape_it = kShapes.find(args["--shape"]);
  if (shape_it == kShapes.end()) return usage("unknown --shape");
  const std::string format = args["--format"];
  if (format != "mlx4" && format != "mlx4-mixed" && format != "mlx8" && format != "bf16") return usage("unknown --format");
  const Shape& shape = shape_it->second;
  const fs::path out = args["--out"];
  const fs::path tokenizer = args["--tokenizer"];

  try {
    fs::create_directories(out);
    const int head_dim = shape.extra_config.contains("head_dim") ? shape.extra_config["head_dim"].get<int>() : shape.hidden / shape.heads;
    ordered_json config{{"architectures", {shape.model_type == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"}},
                        {"model_type", shape.model_type},
                        {"hidden_size", shape.hidden},
                        {"num_hidden_layers", shape.layers},
                        {"num_attention_heads", shape.heads},
                        {"num_key_value_heads", shape.kv_heads},
                        {"intermediate_size", shape.ffn},
                        {"vocab_size", shape.vocab},
                        {"hidden_act", "silu"},
                        {"tie_word_embeddings", true},
                        {"torch_dtype", "bfloat16"}};
    config.update(shape.extra_config);
    if (format != "bf16") {
      ordered_json quantization{{"group_size", 64}, {"bits", bits_of(format, "")}};
      for (int i = 0; i < shape.layers && format == "mlx4-mixed"; ++i)
        for (const char* raised : {"self_attn.v_proj", "mlp.down_proj"})
          quantization["model.layers." + std::to_string(i) + "." + raised] = {{"group_size", 64}, {"bits", 8}};
      config["quantization"] = config["quantization_config"] = quantization;
    }
    std::ofstream(out / "config.json") << config.dump(2) << "\n";

    for (const char* file : {"tokenizer.json", "tokenizer_config.json", "generation_config.json"})
      if (fs::exists(tokenizer / file)) fs::copy_file(tokenizer / file, out / file, fs::copy_options::overwrite_existing);
    if (!fs::exists(out / "tokenizer.json")) return usage("--tokenizer has no tokenizer.json");

    FolderWriter writer(format, std::stoull(args["--seed"]));
    const int q_width = shape.heads * head_dim, kv_width = shape.kv_heads * head_dim;
    writer.matrix("model.embed_tokens", shape.vocab, shape.hidden, 0.02f);
    for (int i = 0; i < shape.layers; ++i) {
      const std::string p = "model.layers." + std::to_string(i) + ".";
      writer.vector(p + "input_layernorm.weight", shape.hidden, 1.0f, 0.05f);
      writer.vector(p + "post_attention_layernorm.weight", shape.hidden, 1.0f, 0.05f);
      writer.matrix(p + "self_attn.q_proj", q_width, shape.hidden, 0.02f);
      writer.matrix(p + "self_attn.k_proj", kv_width, shape.hidden, 0.02f);
      writer.matrix(p + "self_attn.v_proj", kv_width, shape.hidden, 0.02f);
      if (shape.qkv_bias) {
        writer.vector(p + "self_attn.q_proj.bias", q_width, 0.0f, 0.02f);
        writer.vector(p + "self_attn.k_proj.bias", kv_width, 0.0f, 0.02f);
        writer.vector(p + "self_attn.v_proj.bias", kv_width, 0.0f, 0.02f);
      }
      writer.matrix(p + "self_attn.o_proj", shape.hidden, q_width, 0.02f);
      writer.matrix(p + "mlp.gate_proj", shape.ffn, shape.hidden, 0.02f);
      writer.matrix(p + "mlp.up_proj", shape.ffn, shape.hidden, 0.02f);
      writer.matrix(p + "mlp.down_proj", shape.hidden, shape.ffn, 0.02f);
    }
    writer.vector("model.norm.weight", shape.hidden, 1.0f, 0.05f);
    writer.write(out / "model.safetensors");
    std::cout << "wrote " << out.string() << " (" << shape_it->first << ", " << format << ", "
              << fs::file_size(out / "model.safetensors") / (1 << 20) << " MiB of weights)\n";
  } catch (const std::exception& error) {
    std::cerr << "make_bench_model: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
