#!/usr/bin/env bash
# Installs what is missing, builds, and starts ocop-server on the embedded default (SQLite under
# ./data) with a demo province and a demo user, over HTTPS with a self-signed certificate for
# localhost / 127.0.0.1 made here with openssl (./data/tls, kept across runs). Stop it with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/deps.sh
ocop_install_deps

cmake --preset release >/dev/null
cmake --build --preset release

TLS_DIR=./data/tls
if [ ! -s "$TLS_DIR/cert.pem" ] || [ ! -s "$TLS_DIR/key.pem" ]; then
  mkdir -p "$TLS_DIR"
  # A demo certificate only: a province's server uses one from its own CA or a public one.
  (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$TLS_DIR/key.pem" -out "$TLS_DIR/cert.pem" -days 825 -subj "/CN=localhost" \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null)
  chmod 644 "$TLS_DIR/cert.pem"
fi

PORT="${OCOP_PORT:-8080}"
cat <<MSG

Starting ocop-server on https://127.0.0.1:${PORT} with data in ./data. Demo users (password
demo-password-123): demo (every role on the province) and demo.xa (officer of one commune: its
device holds only that commune's records).
Its certificate is self-signed: devices trust it with --ca-file ${TLS_DIR}/cert.pem.
In another terminal, enroll a field device and sync:
  echo demo-password-123 | build/release/bin/ocop-field --home /tmp/phone1 login https://127.0.0.1:${PORT} demo --ca-file ${TLS_DIR}/cert.pem
  build/release/bin/ocop-field --home /tmp/phone1 sync
  build/release/bin/ocop-field --home /tmp/phone1 units --level commune   # communes in force, by code
The provincial desk (web dashboard, in Vietnamese): https://127.0.0.1:${PORT}/desk
(log in as demo or demo.xa; the browser warns about the self-signed certificate once).
MSG
exec build/release/bin/ocop-server --data ./data --port "$PORT" --demo \
  --tls-cert "$TLS_DIR/cert.pem" --tls-key "$TLS_DIR/key.pem"
