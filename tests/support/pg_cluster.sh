#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: `start DIR` runs initdb in a new temporary
# directory under /tmp (as the unprivileged postgres user when run as root: PostgreSQL refuses to
# run as root, and that user may not reach a checkout under /root), starts it on a free loopback
# port and writes its URL to DIR/url; `stop DIR` stops it and removes both directories. Registered as
# the CTest fixture `postgresql` (tests/support/CMakeLists.txt). Never touches a system cluster.
# OCOP_PG_DURABLE=1 keeps fsync on (benchmarks); the tests run without it: a test cluster that
# does not survive a power cut costs nothing, and its fsyncs would only slow CI down.
set -euo pipefail
cmd=${1:?usage: pg_cluster.sh start|stop DIR}
dir=${2:?usage: pg_cluster.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "pg_cluster.sh: PostgreSQL server binaries not found (apt-get install postgresql-15)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_cluster() {
  if [ -f "$dir/cluster" ]; then
    local c
    c=$(cat "$dir/cluster")
    case $c in /tmp/ocop-pg.*) ;; *) echo "pg_cluster.sh: refusing to remove $c" >&2; exit 1 ;; esac
    [ -d "$c/db" ] && as_pg "$bin/pg_ctl" -D "$c/db" -m "$1" -w stop >/dev/null 2>&1 || true
    rm -rf "$c"
  fi
  rm -rf "$dir"
}

case $cmd in
start)
  stop_cluster immediate
  mkdir -p "$dir"
  cluster=$(mktemp -d /tmp/ocop-pg.XXXXXX)
  echo "$cluster" >"$dir/cluster"
  chmod 755 "$cluster"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$cluster"
  dir_out=$dir
  dir=$cluster
  as_pg "$bin/initdb" -D "$dir/db" -U ocop --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  durable=()
  [ "${OCOP_PG_DURABLE:-0}" = 1 ] || durable=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off)
  for attempt in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 30000))
    if as_pg "$bin/pg_ctl" -D "$dir/db" -l "$dir/server.log" -w -t 30 \
         -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 ${durable[*]}" start >/dev/null; then
      echo "postgresql://ocop@127.0.0.1:$port/postgres" >"$dir_out/url"
      echo "PostgreSQL test cluster on 127.0.0.1:$port ($dir)"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2
  exit 1
  ;;
stop)
  stop_cluster fast
  ;;
*)
  echo "usage: pg_cluster.sh start|stop DIR" >&2
  exit 2
  ;;
esac
