#!/usr/bin/env bash
# bench/profile-reads.sh LYRE OUT_DIR [SECONDS]: instructions per cached /configs read, counted
# by valgrind's callgrind (repeatable on a noisy machine, unlike time). Starts LYRE under
# callgrind on a new SQLite database, makes the 50-key namespace (`lyre-bench setup`), warms
# up, zeroes the counts, reads for SECONDS with wrk (1 thread, 8 connections), dumps, and writes
# OUT_DIR/profile-reads.json ({requests, instructions, per_request}) and
# OUT_DIR/profile-reads.txt (the functions that cost most, inclusive). Counts are user-space
# instructions only (the kernel's share is not seen), background work of those seconds included.
set -euo pipefail
cd "$(dirname "$0")/.."
LYRE=$1 OUT=$2 SECONDS_=${3:-10}
BENCH=${BENCH:-$PWD/target/release/lyre-bench}
source bench/lib.sh
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$work"' EXIT
start_profiled
pid=$LYRE_PID
"$BENCH" setup --config "$CONFIG_ADDR" --admin "$ADMIN_URL" --sources 127.0.0.2 > /dev/null
url=http://$CONFIG_ADDR/configs/bench/default/application
wrk -t1 -c8 -d3s "$url" > /dev/null
callgrind_control -z "$pid" > /dev/null 2>&1
out=$(wrk -t1 -c8 -d"${SECONDS_}s" "$url")
callgrind_control -d "$pid" > /dev/null 2>&1
requests=$(awk '/ requests in / {print $1}' <<< "$out")
dump=$(ls "$work"/callgrind.out.* | head -1)
instructions=$(callgrind_annotate "$dump" 2> /dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
jq -n --argjson r "$requests" --argjson i "$instructions" \
  '{requests: $r, instructions: $i, per_request: ($i / $r | floor)}' > "$OUT/profile-reads.json"
callgrind_annotate --inclusive=yes "$dump" 2> /dev/null \
  | awk '/file:function/ {on = 1; next} on && /\?\?\?:|\.\/malloc|memset|memmove|memcpy/' \
  | sed 's/ \[.*//; s/???://' | head -60 > "$OUT/profile-reads.txt"
echo "profile-reads: $(cat "$OUT/profile-reads.json")"
