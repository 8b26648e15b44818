#!/usr/bin/env bash
# Builds and runs every test, in the optimised build and under AddressSanitizer + UBSan.
# Usage: bash tools/test.sh            (both presets)
#        OCOP_PRESETS=release bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
ocop_install_deps

for preset in ${OCOP_PRESETS:-release asan}; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  echo "=== $preset: tests"
  ctest --preset "$preset"
done
