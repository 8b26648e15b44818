#!/usr/bin/env bash
# Builds and runs every test: the PostgreSQL suites and the Java binding in the optimised build,
# which is also packaged and checked as the server's .deb (packaging/check-deb.sh); everything
# else under AddressSanitizer + UBSan, whose tree also holds the libFuzzer targets for the fuzz
# smoke, about 30 s (docs/fuzzing.md). CI runs exactly this (.ci/run), inside 25 minutes.
# Usage: bash tools/test.sh                      (release, asan)
#        OCOP_PRESETS="tsan" bash tools/test.sh  (the threaded suites under ThreadSanitizer)
#        OCOP_PRESETS="fuzz" bash tools/test.sh  (the fuzz targets at -O2, as the long runs use)
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

# Every test runs once: under ASan + UBSan (the asan tree, which also holds the libFuzzer targets),
# except the PostgreSQL variants and the Java binding, which run in the optimised build, the one
# that ships (docs/testing.md). The tsan and fuzz presets are on demand: OCOP_PRESETS="tsan".
for preset in ${OCOP_PRESETS:-release asan}; do
  echo "=== $preset: configure and build"
  cmake --preset "$preset" >/dev/null
  case "$preset" in
    release)
      cmake --build --preset release-ci
      echo "=== release: the PostgreSQL suites and the Java binding"
      ctest --preset release-ci
      # The server's .deb, from the binaries just tested: contents and lintian (docs/operations.md).
      echo "=== release: package (cpack -G DEB, dpkg-deb --contents, lintian)"
      bash packaging/check-deb.sh build/release
      ;;
    asan)
      cmake --build --preset asan
      echo "=== asan: tests"
      ctest --preset asan
      echo "=== asan: fuzz smoke on the committed corpus"
      bash fuzz/smoke.sh build/asan
      ;;
    fuzz)
      cmake --build --preset fuzz
      echo "=== fuzz: smoke run on the committed corpus"
      bash fuzz/smoke.sh build/fuzz
      ;;
    *)
      cmake --build --preset "$preset"
      echo "=== $preset: tests"
      ctest --preset "$preset"
      ;;
  esac
done
