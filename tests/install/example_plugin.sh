#!/usr/bin/env bash
# Installs Switchboard into a temporary prefix, builds plugins/example out of tree against that
# install with find_package(switchboard) alone, installs it, and runs it through the installed CLI.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix

cmake --install "$build_dir" --prefix "$prefix" > "$work/install.log"
cmake -S "$source_dir/plugins/example" -B "$work/example" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" > "$work/configure.log"
cmake --build "$work/example" > "$work/build.log"
cmake --install "$work/example" > "$work/install-example.log"
test -f "$prefix/lib/switchboard/plugins/example_echo.so"

cat > "$work/catalog.yaml" <<'YAML'
providers:
  echo: { plugin: example-echo, shout: true }
models:
  parrot: { provider: echo }
YAML
unset SWITCHBOARD_PLUGIN_PATH SWITCHBOARD_CATALOG
reply=$("$prefix/bin/switchboard" run --catalog "$work/catalog.yaml" --model parrot "hello out of tree")
if [ "$reply" != "HELLO OUT OF TREE" ]; then
  echo "expected 'HELLO OUT OF TREE' from the installed example plugin, got '$reply'" >&2
  exit 1
fi
# The installed default catalog and the installed mock plugin work from the prefix alone.
"$prefix/bin/switchboard" run --max-tokens 3 --json "hello" > "$work/default.json"
grep -q '"finish_reason"' "$work/default.json"
echo "example plugin built against the install and answered: $reply"
