#!/usr/bin/env bash
# Builds and runs every test, in the optimised build and under AddressSanitizer + UBSan, runs the
# threaded suites (sync, server, SDK) under ThreadSanitizer, then builds the libFuzzer targets
# (clang-14) and runs the fuzz smoke, about a minute (docs/fuzzing.md).
# After the release tests it builds and checks the server's .deb (packaging/check-deb.sh).
# Usage: bash tools/test.sh            (all four presets)
#        OCOP_PRESETS=release bash tools/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
ocop_install_deps

# ccache, where installed, makes a rebuild of an unchanged file free; paths are taken relative to
# the checkout so that any clone shares one cache. Nothing depends on it.
if command -v ccache >/dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi

# The tree is formatted with the repo's .clang-format (clang-format 14, Debian 12's); a file
# that is not fails here, before anything is built, naming the file and line.
echo "=== format: clang-format-14 --dry-run -Werror"
if [ -d .git ] || git rev-parse --git-dir >/dev/null 2>&1; then
  mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.c')
else
  mapfile -t sources < <(find shared sync server mobile-sdk tools tests bench fuzz \
                           -name '*.cpp' -o -name '*.hpp' -o -name '*.h' -o -name '*.c')
fi
clang-format-14 --dry-run -Werror "${sources[@]}"

for preset in ${OCOP_PRESETS:-release asan tsan fuzz}; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
  if [ "$preset" = fuzz ]; then
    echo "=== fuzz: smoke run on the committed corpus"
    bash fuzz/smoke.sh build/fuzz
  else
    echo "=== $preset: tests"
    ctest --preset "$preset"
  fi
  if [ "$preset" = release ]; then
    # The server's .deb, from the binaries just tested: contents and lintian (docs/operations.md).
    echo "=== release: package (cpack -G DEB, dpkg-deb --contents, lintian)"
    bash packaging/check-deb.sh build/release
  fi
done
