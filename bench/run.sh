#!/usr/bin/env bash
# `make bench`: release builds, each scenario against a fresh `lyre`, and docs/benchmarks.md
# written from what was measured. Takes about 20 minutes on 2 cores (the first run longer: it builds its tools).
#
#   ROUNDS=5                  repetitions of each figure (the report gives medians)
#   FUZZ_SECONDS=300          how long the lean HTTP path is fuzzed
#   LYRE_BENCH_POSTGRES_URL   a PostgreSQL server for the publish scenario (default
#                             postgres://postgres@127.0.0.1:5432/postgres; skipped, and said
#                             so, when none answers)
#   LYRE_BENCH_MYSQL_URL      a MariaDB (or MySQL) server for the publish scenario (default
#                             mysql://root@127.0.0.1:3306/mysql; skipped, and said so, when
#                             none answers)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-5}
OUT=${OUT:-docs/benchmarks.md}
PG_ADMIN_URL=${LYRE_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
MY_ADMIN_URL=${LYRE_BENCH_MYSQL_URL:-mysql://root@127.0.0.1:3306/mysql}
LONG_POLL_SECS=90
# Source addresses for the load's connections: ~28,000 ports each.
SOURCES=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
need() { # command, Debian package
  command -v "$1" > /dev/null && return 0
  echo "bench: installing $2"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" > /dev/null
}
need wrk wrk
need nginx nginx-light
need etcd etcd-server
need jq jq
need psql postgresql-client
need mariadb mariadb-client
need python3 python3
need sqlite3 sqlite3
need valgrind valgrind

echo "bench: building (release)"
cargo build --release --quiet -p lyre -p lyre-bench
LYRE=$PWD/target/release/lyre
BENCH=$PWD/target/release/lyre-bench
# r-nacos, the Rust Nacos server the targets compare with, from crates.io (built once).
RNACOS=$PWD/target/bench-tools/bin/rnacos
if [ ! -x "$RNACOS" ]; then
  echo "bench: building r-nacos (crates.io rnacos, once)"
  cargo install --quiet --locked rnacos --version 0.8.8 --root target/bench-tools
fi

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

source bench/lib.sh

# The admin port opens only with a credential: lyre gets it as LYRE_ADMIN_TOKENS, lyre-bench
# presents it from LYRE_ADMIN_TOKEN.
export LYRE_ADMIN_TOKEN=${LYRE_ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}

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

# 2. Fan-out: one publish, N watchers waiting; with the server's CPU time per watcher, split
# into notifications and re-reads, and with the configuration carried in the notification.
start_lyre fanout sqlite:lyre.db
run setup-fanout setup $(target)
for n in 1 1000 10000; do
  fan=(fanout $(target) --watchers "$n" --rounds "$ROUNDS" --server-pid "$LYRE_PID")
  run "fanout-$n" "${fan[@]}"
  run "fanout-split-$n" "${fan[@]}" --split
  run "fanout-carried-$n" "${fan[@]}" --with-configs
done
stop_lyre
# 2a. Instructions per watcher of a fan-out of 1,000, by callgrind (its own lyre, under valgrind).
echo "bench: profile of fan-out (callgrind)"
for mode in plain carried; do
  BENCH=$BENCH bench/profile-fanout.sh "$LYRE" "$results" 1000 "$mode" > /dev/null
done
printf 'bash bench/profile-fanout.sh target/release/lyre RESULTS 1000 [carried]\n' > "$results/profile-fanout.cmd"

# 3. Read throughput: /configs and /configfiles/json of the 50-key namespace, and three
# references serving the same bytes: nginx (a static file), r-nacos (its config read) and etcd
# (a range request through its HTTP gateway). Every server runs alone in turn, under the same
# wrk load (1 thread, 64 connections, 10 s), ROUNDS times.
start_lyre reads sqlite:lyre.db
run setup-reads setup $(target)
doc=$work/config.json
curl -sf "http://$CONFIG_ADDR/configfiles/json/bench/default/application" > "$doc"
cp "$doc" "$results/config.json"

nginx_port=$(free_port)
mkdir -p "$work/nginx/html" "$work/nginx/logs"
cp "$doc" "$work/nginx/html/config.json"
cat > "$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type application/json;
  server { listen 127.0.0.1:$nginx_port; root $work/nginx/html; }
}
NGINX
chmod -R a+rX "$work"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" &
pids+=("$!")
nginx_pid=$!

nacos_port=$(free_port)
mkdir -p "$work/rnacos"
(cd "$work/rnacos" && exec env RNACOS_HTTP_PORT=$nacos_port RNACOS_GRPC_PORT=$(free_port) \
  RNACOS_HTTP_CONSOLE_PORT=$(free_port) RNACOS_SDK_HOST=127.0.0.1 RNACOS_CONSOLE_HOST=127.0.0.1 \
  RNACOS_DATA_DIR="$work/rnacos/data" RUST_LOG=warn "$RNACOS" > rnacos.log 2>&1) &
pids+=("$!")
rnacos_pid=$!

etcd_port=$(free_port)
etcd_peer=$(free_port)
etcd --name bench --data-dir "$work/etcd" --logger=zap --log-level error \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "bench=http://127.0.0.1:$etcd_peer" > "$work/etcd.log" 2>&1 &
pids+=("$!")
etcd_pid=$!

until_up() { for _ in $(seq 1 200); do "$@" > /dev/null 2>&1 && return 0; sleep 0.1; done; echo "bench: $* never answered" >&2; return 1; }
until_up curl -sf "http://127.0.0.1:$nginx_port/config.json"
# (a config that does not exist answers 404: only the connection matters here)
until_up curl -s -o /dev/null "http://127.0.0.1:$nacos_port/nacos/v1/cs/configs?dataId=none&group=DEFAULT_GROUP"
until_up curl -sf "http://127.0.0.1:$etcd_port/health"
"$BENCH" nacos-setup --nacos "127.0.0.1:$nacos_port" --content "$doc" > /dev/null
key64=$(printf bench.json | base64 -w0)
jq -n --arg k "$key64" --arg v "$(base64 -w0 < "$doc")" '{key: $k, value: $v}' \
  | curl -sf -X POST "http://127.0.0.1:$etcd_port/v3/kv/put" -d @- > /dev/null
printf 'wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' \
  "$(jq -rn --arg k "$key64" '{key: $k} | tojson | tojson')" > "$work/etcd-range.lua"

# Each serves the same bytes (etcd base64-encodes them inside its JSON answer).
cmp -s "$doc" <(curl -sf "http://127.0.0.1:$nginx_port/config.json")
cmp -s "$doc" <(curl -sf "http://127.0.0.1:$nacos_port/nacos/v1/cs/configs?dataId=bench.json&group=DEFAULT_GROUP")
cmp -s "$doc" <(curl -sf -X POST "http://127.0.0.1:$etcd_port/v3/kv/range" -d "{\"key\":\"$key64\"}" | jq -r '.kvs[0].value' | base64 -d)

# The process whose CPU time (with its child processes: nginx's workers) each read costs.
declare -A read_pids=(
  [lyre-configs]=$LYRE_PID [lyre-configfiles]=$LYRE_PID [nginx]=$nginx_pid [rnacos]=$rnacos_pid [etcd]=$etcd_pid
)
declare -A read_urls=(
  [lyre-configs]="http://$CONFIG_ADDR/configs/bench/default/application"
  [lyre-configfiles]="http://$CONFIG_ADDR/configfiles/json/bench/default/application"
  [nginx]="http://127.0.0.1:$nginx_port/config.json"
  [rnacos]="http://127.0.0.1:$nacos_port/nacos/v1/cs/configs?dataId=bench.json&group=DEFAULT_GROUP"
  [etcd]="http://127.0.0.1:$etcd_port/v3/kv/range"
)
: > "$results/reads.tsv"
echo "bench: reads (wrk, $ROUNDS rounds of 5 servers × 10 s)"
for round in $(seq 1 "$ROUNDS"); do
  for name in nginx lyre-configs lyre-configfiles rnacos etcd; do
    script=()
    [ "$name" = etcd ] && script=(-s "$work/etcd-range.lua")
    cpu_before=$(cpu_ms "${read_pids[$name]}")
    out=$(wrk -t1 -c64 -d10s "${script[@]}" "${read_urls[$name]}")
    cpu_after=$(cpu_ms "${read_pids[$name]}")
    rate=$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")
    requests=$(awk '/ requests in / {print $1}' <<< "$out")
    errors=$(awk '/Non-2xx or 3xx responses:/ {print $5} /Socket errors:/ {print "socket:" $0}' <<< "$out" | tr '\n' ' ')
    # the server's CPU time per request, in microseconds
    cpu_us=$(awk -v ms=$((cpu_after - cpu_before)) -v n="$requests" 'BEGIN {printf "%.1f", ms * 1000 / n}')
    printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$rate" "${errors:-0}" "$cpu_us" >> "$results/reads.tsv"
  done
done
printf 'wrk -t1 -c64 -d10s URL (etcd: -s range.lua, a POST of {"key": base64("bench.json")})\n' > "$results/reads.cmd"

# 3a. Instructions per cached /configs read, by callgrind (its own lyre, under valgrind).
echo "bench: profile of reads (callgrind)"
BENCH=$BENCH bench/profile-reads.sh "$LYRE" "$results" 10 > /dev/null
printf 'bash bench/profile-reads.sh target/release/lyre RESULTS 10\n' > "$results/profile-reads.cmd"

# 3b. The same /configs load while apps report what they made of the release: 1,000 instances
# (each first reads) send 500 apply reports a second, as lyre-client batches them.
# First the reports alone, for what each costs the server in CPU time.
run reports-alone reports $(target) --instances 1000 --rate 500 --seconds 10 --server-pid "$LYRE_PID"
: > "$results/reads-reporting.tsv"
echo "bench: reads while instances report ($ROUNDS rounds × 10 s)"
for round in $(seq 1 "$ROUNDS"); do
  "$BENCH" reports $(target) --instances 1000 --rate 500 --seconds 13 > "$results/reports-$round.json" &
  reporter=$!
  sleep 2 # the instances' first reads are done; reports are flowing
  out=$(wrk -t1 -c64 -d10s "${read_urls[lyre-configs]}")
  wait "$reporter"
  printf '%s\t%s\n' "$round" "$(awk '/^Requests\/sec:/ {print $2}' <<< "$out")" >> "$results/reads-reporting.tsv"
done
printf '%s reports --instances 1000 --rate 500 --seconds 13, with wrk -t1 -c64 -d10s on /configs from its third second\n' \
  "lyre-bench" > "$results/reads-reporting.cmd"
stop_lyre

# 2b. The same fan-out against r-nacos's long-poll listener.
for n in 1 1000 10000; do
  fan=(nacos-fanout --nacos "127.0.0.1:$nacos_port" --sources "$SOURCES" --watchers "$n"
    --rounds "$ROUNDS" --server-pid "$rnacos_pid")
  run "nacos-fanout-$n" "${fan[@]}"
  run "nacos-fanout-split-$n" "${fan[@]}" --split
done

# scale_out NAME DATABASE_URL [lyre-bench arguments]: three config services and the portal
# with the admin service, as separate processes on one database; SCALE_PER_CONFIG (6,000) long
# polls on each, all from one load process (whose own file limit bounds the total), and one
# publish through the portal a round.
scale_out() {
  local name=$1 db=$2
  shift 2
  start_split "scaleout-$name" "$db" 3
  run "setup-scaleout-$name" setup $(target)
  run "scaleout-$name" scale-out --configs "$CONFIG_ADDRS" --portal "$PORTAL_URL" \
    --password bench-password --sources "$SOURCES" --per-config "${SCALE_PER_CONFIG:-6000}" \
    --rounds "$ROUNDS" "$@"
  stop_split
}

# pg_statements: PostgreSQL loads pg_stat_statements, restarted (by pg_ctlcluster) to load it
# when it does not; pg_statements_restore undoes that. Fails when it cannot be done here.
pg_restore=()
pg_statements() {
  local loaded port cluster
  loaded=$(psql "$PG_ADMIN_URL" -Atc 'SHOW shared_preload_libraries') || return 1
  [[ $loaded == *pg_stat_statements* ]] && return 0
  command -v pg_lsclusters > /dev/null || return 1
  port=$(psql "$PG_ADMIN_URL" -Atc 'SHOW port')
  cluster=$(pg_lsclusters -h | awk -v port="$port" '$3 == port {print $1, $2; exit}')
  [ -n "$cluster" ] || return 1
  psql "$PG_ADMIN_URL" -qc "ALTER SYSTEM SET shared_preload_libraries = '${loaded:+$loaded,}pg_stat_statements'" || return 1
  # shellcheck disable=SC2086 # version and name
  as_root pg_ctlcluster $cluster restart || return 1
  pg_restore=("$loaded" $cluster)
  until_up psql "$PG_ADMIN_URL" -Atc 'SELECT 1'
}
pg_statements_restore() {
  [ ${#pg_restore[@]} -eq 3 ] || return 0
  if [ -n "${pg_restore[0]}" ]; then
    psql "$PG_ADMIN_URL" -qc "ALTER SYSTEM SET shared_preload_libraries = '${pg_restore[0]}'"
  else
    psql "$PG_ADMIN_URL" -qc "ALTER SYSTEM RESET shared_preload_libraries"
  fi
  as_root pg_ctlcluster "${pg_restore[1]}" "${pg_restore[2]}" restart
  until_up psql "$PG_ADMIN_URL" -Atc 'SELECT 1'
  pg_restore=()
}

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

  # The same through the server's Unix socket when it has one here: what TCP costs beside it
  # (docs/benchmarks.md, "Publishing over TCP").
  pg_socket=/var/run/postgresql
  if [ -S "$pg_socket/.s.PGSQL.5432" ]; then
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pg_db"
    start_lyre publish-postgres-socket "${PG_ADMIN_URL%%@*}@localhost/$pg_db?host=$pg_socket"
    publish_runs postgres-socket
    stop_lyre
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE $pg_db"
  fi

  # 6. The database stops for 30 s under reads and long polls (through a proxy lyre-bench cuts).
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pg_db"
  pg_server=${PG_ADMIN_URL#*@}
  run outage outage --lyre "$LYRE" --upstream "${pg_server%%/*}" \
    --database "${PG_ADMIN_URL%%@*}@{}/$pg_db" --seconds 30 --readers 50 --watchers 1000
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE $pg_db"

  # 7. Scale-out: three config services on this PostgreSQL, with the statements each publish
  # costs it (pg_stat_statements, loaded for the run when it is not).
  stats=()
  if pg_statements; then
    stats=(--database-stats "${PG_ADMIN_URL%/*}/$pg_db")
  else
    echo "bench: pg_stat_statements cannot be loaded here; scale-out runs without statement counts" >&2
  fi
  psql "$PG_ADMIN_URL" -qc "CREATE DATABASE $pg_db"
  [ ${#stats[@]} -gt 0 ] && psql "${PG_ADMIN_URL%/*}/$pg_db" -qc 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements'
  scale_out postgres "${PG_ADMIN_URL%/*}/$pg_db" "${stats[@]}"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE $pg_db"
  pg_statements_restore
else
  echo "bench: no PostgreSQL at $PG_ADMIN_URL; publish on PostgreSQL skipped" >&2
fi

# The same on MariaDB, over TCP and through its Unix socket.
my_server=${MY_ADMIN_URL#*://}
my_server=${my_server#*@}
my_server=${my_server%%/*}
my_user=${MY_ADMIN_URL#*://}
my_user=${my_user%%@*}
mariadb_sql() { mariadb -h "${my_server%%:*}" -P "${my_server##*:}" -u "${my_user%%:*}" -e "$1"; }
if mariadb_sql "CREATE DATABASE $pg_db" 2> /dev/null; then
  start_lyre publish-mariadb "${MY_ADMIN_URL%/*}/$pg_db"
  publish_runs mariadb
  stop_lyre
  mariadb_sql "DROP DATABASE $pg_db"
  my_socket=$(mariadb_sql "SELECT @@socket" 2> /dev/null | tail -1)
  if [ -S "$my_socket" ]; then
    mariadb_sql "CREATE DATABASE $pg_db"
    start_lyre publish-mariadb-socket "mysql://$my_user@localhost/$pg_db?socket=$my_socket"
    publish_runs mariadb-socket
    stop_lyre
    mariadb_sql "DROP DATABASE $pg_db"
  fi
  # 7b. Scale-out on MariaDB, where config services learn of releases by scanning.
  mariadb_sql "CREATE DATABASE $pg_db"
  scale_out mariadb "${MY_ADMIN_URL%/*}/$pg_db" --database-stats "$MY_ADMIN_URL"
  mariadb_sql "DROP DATABASE $pg_db"
else
  echo "bench: no MariaDB at $MY_ADMIN_URL; publish on MariaDB skipped" >&2
fi

# 4b. Retention: 100,000 old releases (100 namespaces of 1,000, written straight into the
# database) trimmed to 10 a namespace while another namespace is published, on SQLite (one
# writer for the whole database: where a trim could hold a publish up the most). First the
# publishes on that database with retention off, then the same while the job trims.
start_lyre retention sqlite:lyre.db
stop_lyre
bench/seed-releases.sh "$work/retention/lyre.db" 100 1000
start_lyre retention sqlite:lyre.db
run retention-baseline publish $(target) --keys 20 --releases 100
stop_lyre
start_lyre retention sqlite:lyre.db LYRE_RETAIN_RELEASES=10
run retention retention $(target) --keys 20 --deleted 99000
stop_lyre

# 5. Footprint: start to ready, idle memory.
run startup startup --lyre "$LYRE" --runs "$ROUNDS"

# 9. The Open API and the admin service fuzzed from their own schemas.
echo "bench: fuzz (schemathesis)"
bench/fuzz.sh "$results" "$LYRE"
echo "bench: fuzz (the lean HTTP path against hyper, ${FUZZ_SECONDS:-300} s)"
bench/fuzz-lean.sh "$results" "${FUZZ_SECONDS:-300}"

echo "bench: writing $OUT"
bench/report.sh "$results" "$ROUNDS" > "$OUT"
