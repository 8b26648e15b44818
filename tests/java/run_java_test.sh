#!/usr/bin/env bash
# The Java binding end to end: a real ocop-server with --plain-http on a free loopback port and a
# fresh data dir, two inspectors added by ocop-admin, then OcopSdkTest against it. The server is
# stopped and the temp dir removed however the test ends.
# usage: run_java_test.sh OCOP_SERVER OCOP_ADMIN JAVA JNI_LIB_DIR CLASSPATH
set -euo pipefail
server_bin=$1 admin_bin=$2 java_bin=$3 lib_dir=$4 classpath=$5

# The unit the inspectors are granted; the test writes under it and under one nobody covers.
unit=0192a000-0000-7000-8000-000000000001

root=$(mktemp -d "${TMPDIR:-/tmp}/ocop-java-e2e.XXXXXX")
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$root"
}
trap cleanup EXIT

data=$root/server
for user in an.java binh.java; do
  echo "mat-khau-$user-2026" | "$admin_bin" --data "$data" user add "$user" >/dev/null
  "$admin_bin" --data "$data" user grant "$user" inspector "$unit" --allow-unknown-unit >/dev/null
done

# true when something answers on 127.0.0.1:$1
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
healthy() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$1" &&
            printf 'GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 &&
            head -c 12 <&3) 2>/dev/null) || return 1
  [[ $reply == "HTTP/1.1 200" ]]
}

port=
for attempt in 1 2 3 4 5; do
  candidate=$((20000 + RANDOM % 40000))
  answers "$candidate" && continue
  "$server_bin" --data "$data" --listen 127.0.0.1 --port "$candidate" --plain-http \
      --log-level warning >"$root/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if healthy "$candidate"; then port=$candidate; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] && break
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
done
if [ -z "$port" ]; then
  echo "ocop-server did not start:" >&2
  cat "$root/server.log" >&2
  exit 1
fi

status=0
"$java_bin" -Xcheck:jni -Djava.library.path="$lib_dir" -cp "$classpath" OcopSdkTest \
    "http://127.0.0.1:$port" "$root/devices" "$unit" >"$root/java.log" 2>&1 || status=$?
cat "$root/java.log"
# -Xcheck:jni reports misuse of JNI (a pending exception ignored, a wrong reference) as warnings
# without failing the program: any is a failure here.
if grep -q -e "WARNING in native method" -e "WARNING: JNI" "$root/java.log"; then
  echo "JNI misuse reported by -Xcheck:jni" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "--- ocop-server log ---" >&2
  cat "$root/server.log" >&2
fi
exit "$status"
