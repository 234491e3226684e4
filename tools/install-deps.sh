#!/usr/bin/env bash
# Installs the Debian 12 packages Switchboard builds and tests with. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake ninja-build pkg-config git python3
  libboost-dev libcurl4-openssl-dev nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev
  libopenblas-dev libpcre2-dev
  libvulkan-dev glslc mesa-vulkan-drivers
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
