#!/usr/bin/env bash
# Installs what is missing, builds, and starts ocop-server on the embedded default (SQLite under
# ./data) with a demo province and a demo user. Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
ocop_install_deps

cmake --preset release >/dev/null
cmake --build --preset release

PORT="${OCOP_PORT:-8080}"
cat <<MSG

Starting ocop-server on http://127.0.0.1:${PORT} with data in ./data (demo user: demo / demo-password-123).
In another terminal, enroll a field device and sync:
  echo demo-password-123 | build/release/bin/ocop-field --home /tmp/phone1 login http://127.0.0.1:${PORT} demo
  build/release/bin/ocop-field --home /tmp/phone1 sync
  build/release/bin/ocop-field --home /tmp/phone1 list admin_unit --limit 5
MSG
exec build/release/bin/ocop-server --data ./data --port "$PORT" --demo
