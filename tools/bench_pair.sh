#!/bin/bash
# Alternating runs of `switchboard bench` with two builds of the local plugin, for comparing
# them on a host whose memory bandwidth moves from minute to minute (a shared machine): each
# round runs the old plugin, then the new, so both see the same weather. Prints one line per run
# and, at the end, the median over rounds of the new/old ratio of each figure.
#
#   tools/bench_pair.sh [--rounds N] OLD/local.so NEW/local.so -- BENCH ARGUMENTS...
#   e.g. tools/bench_pair.sh --rounds 8 /tmp/old/local.so build/release/lib/switchboard/plugins/local.so \
#          -- --model /tmp/bench-models/qwen2.5-0.5b-mlx4 --threads 2 --prompt-tokens 512 --gen-tokens 64
#
# It swaps each plugin into build/release/lib/switchboard/plugins/ in turn and puts the one it
# found there back when it ends.
set -euo pipefail

rounds=6
if [[ "${1:-}" == "--rounds" ]]; then
  rounds=$2
  shift 2
fi
if [[ $# -lt 3 || "$3" != "--" ]]; then
  echo "usage: $0 [--rounds N] OLD/local.so NEW/local.so -- BENCH ARGUMENTS..." >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
shift 3

root=$(cd "$(dirname "$0")/.." && pwd)
plugin="$root/build/release/lib/switchboard/plugins/local.so"
switchboard="$root/build/release/bin/switchboard"
for file in "$old" "$new" "$plugin" "$switchboard"; do
  [[ -f "$file" ]] || { echo "$0: $file: no such file" >&2; exit 2; }
done
saved=$(mktemp)
cp "$plugin" "$saved"
trap 'cp "$saved" "$plugin"; rm -f "$saved"' EXIT

# One line of figures from bench's JSON: prefill and decode tok/s, roofline share, probe, RSS.
figures() {
  tr ',{}' '\n\n\n' | awk -F: '
    /"prefill_tokens_per_s"/ { section = "prefill" } /"decode_tokens_per_s"/ { section = "decode" }
    /"ttft_ms"/ { section = "" } /"read_bytes_per_s"/ { section = "bandwidth" } /"decode_roofline_share"/ { section = "share" }
    /"median"/ { median[section] = $NF }
    /"peak_rss_bytes"/ { rss = $NF }
    END { printf "%.1f %.1f %.1f %.1f %.1f\n", median["prefill"], median["decode"], 100 * median["share"], median["bandwidth"] / 1e9, rss / 1048576 }'
}

printf '%-5s %-4s %9s %9s %7s %9s %9s\n' round run prefill decode share "probe" "peak RSS"
printf '%-5s %-4s %9s %9s %7s %9s %9s\n' "" "" "tok/s" "tok/s" "%" "GB/s" "MiB"
results=$(mktemp)
for ((round = 1; round <= rounds; ++round)); do
  for which in old new; do
    [[ $which == old ]] && cp "$old" "$plugin" || cp "$new" "$plugin"
    line=$("$switchboard" bench "$@" --json 2>/dev/null | figures)
    echo "$round $which $line" >>"$results"
    printf '%-5s %-4s %9s %9s %7s %9s %9s\n' "$round" "$which" $line
  done
done
# The median of each round's new/old ratio, figure by figure.
awk '
  $2 == "old" { for (i = 3; i <= 7; ++i) old[$1, i] = $i }
  $2 == "new" { for (i = 3; i <= 7; ++i) if (old[$1, i] > 0) ratio[i, ++count[i]] = $i / old[$1, i] }
  function median(i,   n, j, k, t, v) {
    n = count[i]
    for (j = 1; j <= n; ++j) v[j] = ratio[i, j]
    for (j = 2; j <= n; ++j) for (k = j; k > 1 && v[k - 1] > v[k]; --k) { t = v[k]; v[k] = v[k - 1]; v[k - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    split("prefill decode share probe RSS", name, " ")
    printf "new/old, median over %d rounds:", count[4]
    for (i = 3; i <= 7; ++i) printf "  %s %.3f", name[i - 2], median(i)
    printf "\n"
  }' "$results"
rm -f "$results"
