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
