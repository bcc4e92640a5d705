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
  for _ in $(seq 1 $((${READY_SECONDS:-30} * 10))); do
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
