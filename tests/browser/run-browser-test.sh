#!/usr/bin/env bash
# The desk's browser test: installs playwright-core (package-lock.json, `npm ci`) into the build
# directory, then runs desk.browser.mjs against ocop-desk-fixture with headless Chromium.
# Screenshots, the downloaded XLSX and PDF stay in BUILD_DIR/output/ as the test's output.
# usage: run-browser-test.sh FIXTURE_BIN CHROMIUM_BIN BUILD_DIR
set -euo pipefail
fixture=$1 chromium=$2 build=$3
here=$(cd "$(dirname "$0")" && pwd)
work=$build/npm
mkdir -p "$work" "$build/output"
cp "$here/package.json" "$here/package-lock.json" "$work/"
if ! cmp -s "$here/package-lock.json" "$work/node_modules/.package-lock.json" 2>/dev/null; then
  (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
NODE_PATH=$work/node_modules exec node "$here/desk.browser.mjs" "$fixture" "$chromium" \
  "$build/output" "$work/node_modules/playwright-core/index.mjs"
