#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on a scratch copy of its seed corpus (the repository
# is never written to). Exits non-zero when any target crashes, leaks, times out or runs out of
# memory; the reproducer and the log stay in the scratch folder, whose path is printed.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
build_dir=${1:?usage: run.sh BUILD_DIR [SECONDS_PER_TARGET] [TARGET...]}
seconds=${2:-45}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")" && pwd)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(fuzz_tokenizer_json fuzz_tokenizer_json_edits fuzz_tokenizer_encode
           fuzz_chat_template_source fuzz_chat_template_messages fuzz_safetensors fuzz_model_config)
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-fuzz.XXXXXX")
echo "fuzz: ${seconds}s per target; corpora, logs and any crash inputs in $scratch"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target/corpus" "$scratch/$target/artifacts"
  cp "$here/corpus/$target/"* "$scratch/$target/corpus/" 2>/dev/null || true
  dict=()
  [ -f "$here/dict/$target.dict" ] && dict=(-dict="$here/dict/$target.dict")
  echo "=== $target"
  if "$build_dir/bin/$target" "$scratch/$target/corpus" "${dict[@]}" \
      -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1 \
      -artifact_prefix="$scratch/$target/artifacts/" >"$scratch/$target/log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$scratch/$target/log" || true
  else
    failed+=("$target")
    tail -n 60 "$scratch/$target/log"
    ls -l "$scratch/$target/artifacts/"
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $scratch/<target>/artifacts/)"
  exit 1
fi
echo "fuzz: all ${#targets[@]} targets ran clean"
rm -rf "$scratch"
