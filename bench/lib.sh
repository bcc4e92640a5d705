# Shell helpers shared by bench/run.sh and bench/fuzz.sh (sourced, not run).

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# CPU time (user + system, in milliseconds) used so far by a process and its child processes
# (nginx's workers): utime and stime of /proc/PID/stat, in clock ticks.
cpu_ms() {
  local pids=("$1") tick total=0 pid
  mapfile -t -O 1 pids < <(pgrep -P "$1")
  tick=$(getconf CLK_TCK)
  for pid in "${pids[@]}"; do
    [ -r "/proc/$pid/stat" ] || continue
    # the fields after the command's closing parenthesis: utime and stime are the 12th and 13th
    total=$((total + $(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $12 + $13}')))
  done
  echo $((total * 1000 / tick))
}

# start_lyre NAME DATABASE_URL [VAR=VALUE...]: an all-in-one lyre (in $work/NAME, so a name used
# again finds its SQLite database), with extra environment; sets CONFIG_ADDR, ADMIN_URL, LYRE_PID.
# Uses $work, $pids, $LYRE, $LYRE_ADMIN_TOKEN and $LONG_POLL_SECS of the script that sources this
# file; runs lyre under the command in the array LYRE_UNDER when that is set (a profiler), and
# waits up to READY_SECONDS (30) for it to be ready.
start_lyre() {
  local dir=$work/$1
  mkdir -p "$dir"
  CONFIG_ADDR=127.0.0.1:$(free_port)
  local admin=127.0.0.1:$(free_port) portal=127.0.0.1:$(free_port)
  ADMIN_URL=http://$admin
  (cd "$dir" && exec env LYRE_DATABASE_URL="$2" LYRE_CONFIG_ADDR="$CONFIG_ADDR" \
    LYRE_ADMIN_ADDR="$admin" LYRE_PORTAL_ADDR="$portal" LYRE_ADMIN_PASSWORD=bench-password \
    LYRE_ADMIN_TOKENS="$LYRE_ADMIN_TOKEN" \
    LYRE_LONG_POLL_TIMEOUT_SECS=$LONG_POLL_SECS LYRE_LOG=warn "${@:3}" ${LYRE_UNDER[@]+"${LYRE_UNDER[@]}"} \
    "$LYRE" > lyre.out 2> lyre.log) &
  LYRE_PID=$!
  pids+=("$LYRE_PID")
  wait_ready "http://$CONFIG_ADDR/ready" "$dir/lyre.log" && wait_ready "$ADMIN_URL/ready" "$dir/lyre.log"
}

# start_profiled [VAR=VALUE...]: start_lyre under valgrind's callgrind, on a new SQLite
# database, with extra environment; the counts go to $work/callgrind.out.PID.
start_profiled() {
  export LYRE_ADMIN_TOKEN=${LYRE_ADMIN_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  LONG_POLL_SECS=90
  LYRE_UNDER=(valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out")
  READY_SECONDS=180 start_lyre profile sqlite:lyre.db "$@"
}

# start_split NAME DATABASE_URL COUNT [VAR=VALUE...]: Lyre as separate processes on one
# database: the portal and admin service in one, and COUNT config services (each its own
# process, port and file limit). Sets PORTAL_URL, ADMIN_URL, CONFIG_ADDRS (comma-separated),
# SPLIT_PIDS, and CONFIG_ADDR (the first config service).
start_split() {
  local dir=$work/$1 db=$2 count=$3 i addr
  shift 3
  mkdir -p "$dir"
  local admin=127.0.0.1:$(free_port) portal=127.0.0.1:$(free_port)
  ADMIN_URL=http://$admin
  PORTAL_URL=http://$portal
  SPLIT_PIDS=()
  (cd "$dir" && exec env LYRE_DATABASE_URL="$db" LYRE_TARGETS=portal,admin-service \
    LYRE_ADMIN_ADDR="$admin" LYRE_PORTAL_ADDR="$portal" LYRE_CONFIG_ADDR=127.0.0.1:0 \
    LYRE_ADMIN_PASSWORD=bench-password LYRE_ADMIN_TOKENS="$LYRE_ADMIN_TOKEN" LYRE_LOG=warn "$@" \
    "$LYRE" > portal.out 2> portal.log) &
  SPLIT_PIDS+=("$!")
  pids+=("$!")
  # Migrated and ready before the config services start on the same database.
  wait_ready "$ADMIN_URL/ready" "$dir/portal.log" || return 1
  CONFIG_ADDRS=
  for i in $(seq 1 "$count"); do
    addr=127.0.0.1:$(free_port)
    (cd "$dir" && exec env LYRE_DATABASE_URL="$db" LYRE_TARGETS=config-service \
      LYRE_CONFIG_ADDR="$addr" LYRE_LONG_POLL_TIMEOUT_SECS=$LONG_POLL_SECS LYRE_LOG=warn "$@" \
      "$LYRE" > "config-$i.out" 2> "config-$i.log") &
    SPLIT_PIDS+=("$!")
    pids+=("$!")
    CONFIG_ADDRS=${CONFIG_ADDRS:+$CONFIG_ADDRS,}$addr
  done
  for addr in ${CONFIG_ADDRS//,/ }; do
    wait_ready "http://$addr/ready" "$dir/config-1.log" || return 1
  done
  CONFIG_ADDR=${CONFIG_ADDRS%%,*}
}

stop_split() {
  kill "${SPLIT_PIDS[@]}" 2>/dev/null || true
  wait "${SPLIT_PIDS[@]}" 2>/dev/null || true
}

# wait_ready URL LOG: waits up to READY_SECONDS (30) for URL to answer; shows LOG if it never does.
wait_ready() {
  for _ in $(seq 1 $((${READY_SECONDS:-30} * 10))); do
    curl -sf "$1" > /dev/null && return 0
    sleep 0.1
  done
  echo "bench: $1 did not become ready" >&2
  cat "$2" >&2
  return 1
}

stop_lyre() {
  kill "$LYRE_PID" 2>/dev/null || true
  wait "$LYRE_PID" 2>/dev/null || true
}
