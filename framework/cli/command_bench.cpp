// `switchboard bench`: prefill and decode speed, time to first token, load time and peak memory
// of one model, end to end through the public API, as min / median / max over repetitions.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <switchboard/switchboard.hpp>

#include "command.hpp"
#include "exit_codes.hpp"
#include "generation_flags.hpp"
#include "output.hpp"
#include "read_bandwidth.hpp"
#include "runtime_access.hpp"

namespace switchboard::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct Spread {
  double min = 0, median = 0, max = 0;
};

Spread spread_of(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {values.front(), median, values.back()};
}

json to_json(const Spread& s) { return {{"min", s.min}, {"median", s.median}, {"max", s.max}}; }

std::int64_t peak_rss_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmHWM:  123 kB"
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

// Starts the peak-RSS mark again from the current RSS, so the probe's buffer, freed before,
// is not counted as the model's. False where the system does not allow it.
bool restart_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5" << std::flush);
}

// Decode on the CPU reads every weight once per token, so its ceiling is read bandwidth over
// weight bytes per token. Measured beside each repetition: on a shared host both move.
class Roofline {
 public:
  Roofline(int threads, ProbePages pages)
      : threads_(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))), pages_(pages) {
    peak_before_ = peak_rss_bytes();
    available_ = restart_peak_rss();
  }

  // Without a way to restart the peak-RSS mark the probe's buffer would count as the model's,
  // so there is no roofline then.
  bool available() const { return available_; }

  void measure_now() {
    peak_before_ = std::max(peak_before_, peak_rss_bytes());
    {
      const ReadBandwidthProbe probe(ReadBandwidthProbe::kDefaultBytes, pages_);
      bandwidth_.push_back(probe.measure(threads_));
    }
    restart_peak_rss();
  }
  void add_decode(double tokens_per_second, std::int64_t weight_bytes_per_token) {
    share_.push_back(tokens_per_second * static_cast<double>(weight_bytes_per_token) / bandwidth_.back());
  }
  // Peak RSS of everything but the probe's buffers.
  std::int64_t peak_rss() const { return std::max(peak_before_, peak_rss_bytes()); }
  const std::vector<double>& bandwidth() const { return bandwidth_; }
  const std::vector<double>& share() const { return share_; }

 private:
  int threads_;
  ProbePages pages_;
  bool available_ = false;
  std::vector<double> bandwidth_, share_;
  std::int64_t peak_before_ = 0;
};

// A catalog of one local model, so --backend, --threads and --[no-]mmap apply whatever the catalog
// says. A catalog model keeps its own `quantize:` and `options:` (prefill_chunk), or the bench
// would measure another model than the one the catalog serves.
Catalog bench_catalog(const fs::path& folder, const std::string& backend, int threads, std::optional<bool> mmap, int context,
                      const ModelEntry* entry = nullptr) {
  std::ostringstream yaml;
  yaml << "providers:\n  bench: { plugin: local, backend: " << backend << ", threads: "
       << (threads > 0 ? std::to_string(threads) : std::string("auto")) << (mmap ? (*mmap ? ", mmap: true" : ", mmap: false") : "") << " }\n"
       << "models:\n  bench: { provider: bench, path: " << json(fs::absolute(folder).string()).dump() << ", context: " << context;
  if (entry && entry->quantize) yaml << ", quantize: " << json(*entry->quantize).dump();
  if (entry && !entry->options.empty()) yaml << ", options: " << entry->options.dump();
  yaml << " }\n";
  return Catalog::parse(yaml.str(), fs::current_path() / "bench.yaml");
}

// A raw prompt of about `tokens` tokens; `variant` changes its start so that no repetition
// reuses the previous one's KV cache.
std::string prompt_of(int words, int variant) {
  std::string text = "Run " + std::to_string(variant) + ":";
  for (int i = 0; i < words; ++i) text += " the";
  return text;
}

int run(const CommandContext& context) {
  const auto& arguments = context.arguments;
  const std::string model_name = arguments.value("--model").value_or("");
  if (model_name.empty()) throw UsageError("missing --model DIR|NAME");
  const std::string backend = arguments.value("--backend").value_or("cpu");
  if (backend != "cpu" && backend != "vulkan" && backend != "auto")
    throw UsageError("option '--backend' expects cpu, vulkan or auto; got '" + backend + "'");
  const int threads = arguments.value("--threads") ? parse_int_option("--threads", *arguments.value("--threads"), 1) : 0;
  const int prompt_tokens = parse_int_option("--prompt-tokens", arguments.value("--prompt-tokens").value_or("512"), 1);
  const int gen_tokens = parse_int_option("--gen-tokens", arguments.value("--gen-tokens").value_or("128"), 1);
  const int repetitions = parse_int_option("--repetitions", arguments.value("--repetitions").value_or("3"), 1);
  const bool as_json = arguments.has("--json");
  if (arguments.has("--mmap") && arguments.has("--no-mmap")) throw UsageError("--mmap and --no-mmap exclude each other");
  std::optional<bool> mmap;  // unset: as the provider chooses for its backend
  if (arguments.has("--mmap") || arguments.has("--no-mmap")) mmap = arguments.has("--mmap");

  const bool is_folder = fs::is_directory(model_name);
  std::optional<Runtime> runtime;
  std::string label = model_name;
  if (is_folder) {
    runtime.emplace(bench_catalog(model_name, backend, threads, mmap, prompt_tokens + gen_tokens + 64));
  } else {
    runtime.emplace(open_runtime(context.catalog_file));
    const ModelEntry& entry = runtime->catalog().model(model_name);
    const auto& provider = runtime->catalog().providers().at(entry.provider);
    if (provider.plugin == "local" && entry.path) {
      label = entry.name;
      runtime.emplace(bench_catalog(*entry.path, backend, threads, mmap, prompt_tokens + gen_tokens + 64, &entry));
    } else if (arguments.has("--backend") || arguments.has("--threads") || mmap) {
      print_note("switchboard: --backend, --threads and --[no-]mmap apply to local models only; using '" + entry.name +
                 "' as its catalog says");
    }
  }
  const std::string served = is_folder || runtime->catalog().models().count("bench") ? "bench" : model_name;
  auto model = open_model(*runtime, served);
  // Where the local provider keeps the weights (mapped, or read into huge pages), as it says.
  const std::string weights = runtime->provider(runtime->catalog().model(served).provider)->info().details.value("weights", "");

  const auto load_start = std::chrono::steady_clock::now();
  const LoadState loaded = model->prepare();
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  if (loaded.phase != LoadState::Phase::ready)
    throw CommandFailure(kExitUnavailable, {std::string("model did not load: ") + (loaded.error ? loaded.error->what() : "unknown")});

  Request request;
  request.options.temperature = 0;
  request.options.max_tokens = gen_tokens;
  // Warm-up, which also sizes the prompt: " the" is one token in most vocabularies, but the
  // count is measured rather than assumed.
  int words = prompt_tokens;
  int measured_prompt = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {
    request.prompt = prompt_of(words, -1 - attempt);
    const Completion warm = model->generate(request);
    if (warm.error) throw CommandFailure(kExitFailure, {std::string("warm-up failed: ") + warm.error->what()});
    measured_prompt = static_cast<int>(warm.usage.prompt_tokens);
    if (measured_prompt == prompt_tokens) break;
    words = std::max(1, words + prompt_tokens - measured_prompt);
  }

  const ModelInfo info = model->info();
  std::optional<Roofline> roofline;
  // The probe reads the kind of pages the weights are read from.
  if (backend == "cpu" && info.weight_bytes_per_token > 0) roofline.emplace(threads, weights == "huge_pages" ? ProbePages::huge : ProbePages::small);
  if (roofline && !roofline->available()) {
    print_note("switchboard: cannot restart the peak-RSS mark (/proc/self/clear_refs), so no roofline is measured");
    roofline.reset();
  }

  std::vector<double> prefill, decode, ttft;
  std::int64_t generated = 0;
  for (int rep = 0; rep < repetitions; ++rep) {
    if (roofline) roofline->measure_now();
    request.prompt = prompt_of(words, rep);
    const Completion done = model->generate(request);
    if (done.error) throw CommandFailure(kExitFailure, {std::string("repetition failed: ") + done.error->what()});
    prefill.push_back(done.timings.prompt_tokens_per_second);
    decode.push_back(done.timings.tokens_per_second);
    ttft.push_back(done.timings.time_to_first_token_ms);
    generated = done.usage.completion_tokens;
    if (roofline) roofline->add_decode(done.timings.tokens_per_second, info.weight_bytes_per_token);
  }
  const std::int64_t peak_rss = roofline ? roofline->peak_rss() : peak_rss_bytes();
  json report{{"model", label},
              {"backend", backend},
              {"threads", threads > 0 ? json(threads) : json("auto")},
              {"mmap", weights.empty() ? json(nullptr) : json(weights == "mapped")},
              {"prompt_tokens", measured_prompt},
              {"gen_tokens", generated},
              {"prefill_tokens_per_s", to_json(spread_of(prefill))},
              {"decode_tokens_per_s", to_json(spread_of(decode))},
              {"ttft_ms", to_json(spread_of(ttft))},
              {"load_s", load_s},
              {"peak_rss_bytes", peak_rss},
              {"weight_bytes_per_token", info.weight_bytes_per_token}};
  if (roofline) {
    report["read_bytes_per_s"] = to_json(spread_of(roofline->bandwidth()));
    report["decode_roofline_share"] = to_json(spread_of(roofline->share()));
  }
  if (as_json) {
    write_stdout(report.dump() + "\n");
    return kExitSuccess;
  }
  auto line = [](const char* what, const Spread& s, const char* unit, double factor = 1) {
    char text[160];
    std::snprintf(text, sizeof text, "%-22s min %10.2f  median %10.2f  max %10.2f  %s\n", what, s.min * factor, s.median * factor,
                  s.max * factor, unit);
    return std::string(text);
  };
  std::string out = "model " + label + ", backend " + backend + ", " + std::to_string(measured_prompt) + " prompt tokens, " +
                    std::to_string(generated) + " generated, " + std::to_string(repetitions) + " repetitions\n";
  out += line("prefill", spread_of(prefill), "tokens/s");
  out += line("decode", spread_of(decode), "tokens/s");
  out += line("time to first token", spread_of(ttft), "ms");
  char tail[200];
  std::snprintf(tail, sizeof tail, "load %.2f s, peak RSS %.1f MiB, weights read per token %.1f MiB%s\n", load_s,
                static_cast<double>(peak_rss) / (1 << 20), static_cast<double>(info.weight_bytes_per_token) / (1 << 20),
                weights == "mapped" ? " (mapped)" : weights == "huge_pages" ? " (in huge pages)" : "");
  out += tail;
  if (roofline) {
    out += line("read bandwidth", spread_of(roofline->bandwidth()), "GB/s", 1e-9);
    out += line("decode / roofline", spread_of(roofline->share()), "%", 100);
  }
  write_stdout(out);
  return kExitSuccess;
}

}  // namespace

Command bench_command() {
  return {"bench",
          "measure a model's prefill and decode speed, time to first token, load time and memory",
          "bench --model DIR|NAME [options]",
          "Runs a warm-up, then REPETITIONS generations of GEN_TOKENS greedy tokens after a raw prompt of\n"
          "PROMPT_TOKENS tokens, and reports each figure as min / median / max. DIR is a model folder served\n"
          "by the local provider; NAME is a catalog model. On the CPU backend each repetition also measures\n"
          "the machine's read bandwidth with as many threads, and reports decode's share of the roofline\n"
          "(read bandwidth / weight bytes per token).",
          {
              {"--model", "DIR|NAME", "a model folder, or a model of the catalog"},
              {"--backend", "cpu|vulkan", "the local provider's backend (default cpu)"},
              {"--threads", "N", "threads for the local provider (default: one per core)"},
              {"--mmap", "", "map the weights from their files (the provider's mmap: true)"},
              {"--no-mmap", "", "read the weights into huge pages at load (mmap: false; the default on the CPU where the kernel grants them)"},
              {"--prompt-tokens", "N", "prompt length (default 512)"},
              {"--gen-tokens", "N", "tokens to generate (default 128)"},
              {"--repetitions", "N", "measured runs after the warm-up (default 3)"},
              {"--json", "", "print one JSON object instead of a table"},
          },
          run};
}

}  // namespace switchboard::cli
