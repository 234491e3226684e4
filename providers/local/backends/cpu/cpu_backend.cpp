#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/backend.hpp"

namespace switchboard::local {
namespace {

// Below this many tokens a product reads each weight row once and dots it with every token;
// above it, widening a block of rows and handing it to BLAS pays off.
constexpr int kBlasMinTokens = 4;
constexpr int kBlasRowBlock = 256;

float dot(const float* a, const float* b, int n) {
  float sum = 0;
  for (int i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

class CpuBackend final : public Backend {
 public:
  std::string name() const override { return "cpu"; }

  void matmul(const WeightMatrix& w, const float* in, int tokens, float* out) override {
    if (w.format == WeightFormat::f32 && tokens >= 1) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tokens, w.rows, w.cols, 1.0f, in, w.cols,
                  reinterpret_cast<const float*>(w.data), w.cols, 0.0f, out, w.rows);
      return;
    }
    if (tokens >= kBlasMinTokens) {
      std::vector<float> block(static_cast<std::size_t>(kBlasRowBlock) * w.cols);
      for (int first = 0; first < w.rows; first += kBlasRowBlock) {
        const int count = std::min(kBlasRowBlock, w.rows - first);
        for (int r = 0; r < count; ++r) w.dequantize_row(first + r, block.data() + static_cast<std::size_t>(r) * w.cols);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, tokens, count, w.cols, 1.0f, in, w.cols, block.data(), w.cols,
                    0.0f, out + first, w.rows);
      }
      return;
    }
    std::vector<float> row(static_cast<std::size_t>(w.cols));
    for (int r = 0; r < w.rows; ++r) {
      w.dequantize_row(r, row.data());
      for (int t = 0; t < tokens; ++t)
        out[static_cast<std::size_t>(t) * w.rows + r] = dot(row.data(), in + static_cast<std::size_t>(t) * w.cols, w.cols);
    }
  }

  void embed(const WeightMatrix& table, std::span<const std::int32_t> ids, float scale, float* out) override {
    for (std::size_t t = 0; t < ids.size(); ++t) {
      float* row = out + t * table.cols;
      table.dequantize_row(ids[t], row);
      if (scale != 1.0f)
        for (int c = 0; c < table.cols; ++c) row[c] *= scale;
    }
  }

  void rms_norm(const float* in, const float* weight, int rows, int dim, float eps, bool adds_one, float* out) override {
    for (int r = 0; r < rows; ++r) {
      const float* x = in + static_cast<std::size_t>(r) * dim;
      float* y = out + static_cast<std::size_t>(r) * dim;
      const float inverse_rms = 1.0f / std::sqrt(dot(x, x, dim) / static_cast<float>(dim) + eps);
      for (int i = 0; i < dim; ++i) y[i] = x[i] * inverse_rms * (adds_one ? 1.0f + weight[i] : weight[i]);
    }
  }

  void rope(float* x, int tokens, int heads, int head_dim, const std::int32_t* positions, const float* inverse_frequencies) override {
    const int half = head_dim / 2;
    std::vector<float> cosines(static_cast<std::size_t>(half)), sines(static_cast<std::size_t>(half));
    for (int t = 0; t < tokens; ++t) {
      for (int i = 0; i < half; ++i) {
        const float angle = static_cast<float>(positions[t]) * inverse_frequencies[i];
        cosines[i] = std::cos(angle);
        sines[i] = std::sin(angle);
      }
      for (int h = 0; h < heads; ++h) {
        float* v = x + (static_cast<std::size_t>(t) * heads + h) * head_dim;
        for (int i = 0; i < half; ++i) {
          const float a = v[i], b = v[i + half];
          v[i] = a * cosines[i] - b * sines[i];
          v[i + half] = b * cosines[i] + a * sines[i];
        }
      }
    }
  }

  void attention(const float* q, const float* key_cache, const float* value_cache, int tokens, const std::int32_t* positions,
                 const AttentionShape& shape, float* out) override {
    const int group = shape.heads / shape.kv_heads;
    const std::size_t kv_stride = static_cast<std::size_t>(shape.kv_heads) * shape.head_dim;
    std::vector<float> scores;
    for (int t = 0; t < tokens; ++t) {
      const int position = positions[t];
      const int first = shape.window > 0 ? std::max(0, position - shape.window + 1) : 0;
      scores.resize(static_cast<std::size_t>(position - first + 1));
      for (int h = 0; h < shape.heads; ++h) {
        const float* query = q + (static_cast<std::size_t>(t) * shape.heads + h) * shape.head_dim;
        const int kv_head = h / group;
        float highest = -INFINITY;
        for (int j = first; j <= position; ++j) {
          float score = dot(query, key_cache + j * kv_stride + static_cast<std::size_t>(kv_head) * shape.head_dim, shape.head_dim) * shape.scale;
          if (shape.softcap > 0) score = shape.softcap * std::tanh(score / shape.softcap);
          scores[j - first] = score;
          highest = std::max(highest, score);
        }
        float total = 0;
        for (auto& score : scores) {
          score = std::exp(score - highest);
          total += score;
        }
        float* result = out + (static_cast<std::size_t>(t) * shape.heads + h) * shape.head_dim;
        std::fill(result, result + shape.head_dim, 0.0f);
        for (int j = first; j <= position; ++j) {
          const float weight = scores[j - first] / total;
          const float* value = value_cache + j * kv_stride + static_cast<std::size_t>(kv_head) * shape.head_dim;
          for (int d = 0; d < shape.head_dim; ++d) result[d] += weight * value[d];
        }
      }
    }
  }

  void gated_activation(const float* gate, const float* up, std::size_t n, Activation activation, float* out) override {
    if (activation == Activation::silu) {
      for (std::size_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
    } else {
      constexpr float kSqrt2OverPi = 0.7978845608028654f;
      for (std::size_t i = 0; i < n; ++i) {
        const float x = gate[i];
        out[i] = 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x))) * up[i];
      }
    }
  }
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

}  // namespace switchboard::local
