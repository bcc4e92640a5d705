#!/usr/bin/env bash
# bench/profile-fanout.sh LYRE OUT_DIR [WATCHERS] [MODE]: instructions per watcher of a fan-out,
# counted by valgrind's callgrind. Starts LYRE under callgrind on a new SQLite database, makes
# the 50-key namespace (`lyre-bench setup`), zeroes the counts, and runs one round of
# `lyre-bench fanout` with WATCHERS (1000) watchers: each opens a long poll, is told of the one
# publish, and re-reads (MODE `carried`: asks for the configuration with the notification and
# reads nothing). Writes OUT_DIR/profile-fanout[-carried].json ({watchers, instructions,
# per_watcher}) and .txt (the functions that cost most, inclusive). A watcher's whole cycle is
# counted (its connection, long poll, notification and re-read), and the publish once.
set -euo pipefail
cd "$(dirname "$0")/.."
LYRE=$1 OUT=$2 WATCHERS=${3:-1000} MODE=${4:-plain}
BENCH=${BENCH:-$PWD/target/release/lyre-bench}
source bench/lib.sh
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2> /dev/null || true; wait 2> /dev/null || true; rm -rf "$work"' EXIT
# The config service's scan for releases runs by the clock, which callgrind slows some fifty
# times: it is made rare, and the publish reaches the config service in process, as always.
start_profiled LYRE_SCAN_INTERVAL_MS=60000
pid=$LYRE_PID
target=(--config "$CONFIG_ADDR" --admin "$ADMIN_URL" --sources 127.0.0.2,127.0.0.3)
"$BENCH" setup "${target[@]}" > /dev/null
extra=()
suffix=
if [ "$MODE" = carried ]; then extra=(--with-configs); suffix=-carried; fi
# One round first: the caches and pools are as they are in the measured round.
"$BENCH" fanout "${target[@]}" --watchers "$WATCHERS" --rounds 1 "${extra[@]}" > /dev/null
sleep 2
callgrind_control -z "$pid" > /dev/null 2>&1
"$BENCH" fanout "${target[@]}" --watchers "$WATCHERS" --rounds 1 "${extra[@]}" > /dev/null
callgrind_control -d "$pid" > /dev/null 2>&1
dump=$(ls "$work"/callgrind.out.* | head -1)
cp "$dump" "$OUT/callgrind-fanout$suffix.out"
instructions=$(callgrind_annotate "$dump" 2> /dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
jq -n --argjson w "$WATCHERS" --argjson i "$instructions" \
  '{watchers: $w, instructions: $i, per_watcher: ($i / $w | floor)}' > "$OUT/profile-fanout$suffix.json"
callgrind_annotate --inclusive=yes "$dump" 2> /dev/null \
  | awk '/file:function/ {on = 1; next} on' \
  | sed 's/ \[.*//; s/???://' | head -120 > "$OUT/profile-fanout$suffix.txt"
echo "profile-fanout$suffix: $(cat "$OUT/profile-fanout$suffix.json")"
