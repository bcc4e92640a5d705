#!/usr/bin/env bash
# `make bench`: release builds, each scenario against a fresh `lyre`, and docs/benchmarks.md
# written from what was measured. Takes about 15 minutes on 2 cores.
#
#   ROUNDS=5                  repetitions of each figure (the report gives medians)
#   LYRE_BENCH_POSTGRES_URL   a PostgreSQL server for the publish scenario (default
#                             postgres://postgres@127.0.0.1:5432/postgres; skipped, and said
#                             so, when none answers)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
OUT=${OUT:-docs/benchmarks.md}
PG_ADMIN_URL=${LYRE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
LONG_POLL_SECS=90
# Source addresses for the load's connections: ~28,000 ports each.
SOURCES=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9

echo "bench: building (release)"
cargo build --release --quiet -p lyre -p lyre-bench
LYRE=$PWD/target/release/lyre
BENCH=$PWD/target/release/lyre-bench

work=$(mktemp -d)
results=$work/results
mkdir -p "$results"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# start_lyre NAME DATABASE_URL: a fresh all-in-one lyre; sets CONFIG_ADDR, ADMIN_URL, LYRE_PID.
start_lyre() {
  local dir=$work/$1
  mkdir -p "$dir"
  CONFIG_ADDR=127.0.0.1:$(free_port)
  local admin=127.0.0.1:$(free_port) portal=127.0.0.1:$(free_port)
  ADMIN_URL=http://$admin
  (cd "$dir" && exec env LYRE_DATABASE_URL="$2" LYRE_CONFIG_ADDR="$CONFIG_ADDR" \
    LYRE_ADMIN_ADDR="$admin" LYRE_PORTAL_ADDR="$portal" LYRE_ADMIN_PASSWORD=bench-password \
    LYRE_LONG_POLL_TIMEOUT_SECS=$LONG_POLL_SECS LYRE_LOG=warn "$LYRE" > lyre.out 2> lyre.log) &
  LYRE_PID=$!
  pids+=("$LYRE_PID")
  for _ in $(seq 1 300); do
    curl -sf "http://$CONFIG_ADDR/ready" > /dev/null && curl -sf "$ADMIN_URL/ready" > /dev/null && return 0
    sleep 0.1
  done
  echo "bench: lyre ($1) did not become ready" >&2
  cat "$dir/lyre.log" >&2
  return 1
}

stop_lyre() {
  kill "$LYRE_PID" 2>/dev/null || true
  wait "$LYRE_PID" 2>/dev/null || true
}

# run NAME ARGS...: runs lyre-bench, keeping its JSON and the exact command.
run() {
  local name=$1
  shift
  echo "bench: $name"
  "$BENCH" "$@" > "$results/$name.json"
  printf '%s\n' "lyre-bench $*" > "$results/$name.cmd"
}

target() { echo --config "$CONFIG_ADDR" --admin "$ADMIN_URL" --sources "$SOURCES"; }

# 1. Long polls held by one process, and its memory per waiting request. The server may open
# 20,000 files; it keeps a few for itself (listeners, database, logs).
start_lyre capacity sqlite:lyre.db
run setup-capacity setup $(target)
run capacity capacity $(target) --count 19800 --processes 2 --server-pid "$LYRE_PID"
stop_lyre

# 2. Fan-out: one publish, N watchers waiting.
start_lyre fanout sqlite:lyre.db
run setup-fanout setup $(target)
for n in 1 1000 10000; do
  run "fanout-$n" fanout $(target) --watchers "$n" --rounds "$ROUNDS"
done
stop_lyre

# 4. Publish throughput and namespace size, on SQLite and PostgreSQL.
publish_runs() { # backend
  for keys in 10 1000 10000; do
    run "publish-$1-$keys" publish $(target) --keys "$keys" --releases 50
  done
}
start_lyre publish-sqlite sqlite:lyre.db
publish_runs sqlite
stop_lyre
pg_db=lyre_bench_$$
if psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pg_db" 2> /dev/null; then
  start_lyre publish-postgres "${PG_ADMIN_URL%/*}/$pg_db"
  publish_runs postgres
  stop_lyre
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE $pg_db"
else
  echo "bench: no PostgreSQL at $PG_ADMIN_URL; publish on PostgreSQL skipped" >&2
fi

# 5. Footprint: start to ready, idle memory.
run startup startup --lyre "$LYRE" --runs "$ROUNDS"

echo "bench: writing $OUT"
bench/report.sh "$results" "$ROUNDS" > "$OUT"
