#!/usr/bin/env bash
# The config port's lean HTTP path fuzzed against hyper with libFuzzer (cargo-fuzz, from
# crates.io): from any bytes, the requests the router receives must be those hyper alone would
# make of them (service-kit/fuzz/fuzz_targets/lean_head.rs). Runs on the stable toolchain
# without a sanitizer (the code under test is safe Rust; the target checks behaviour).
#   fuzz-lean.sh RESULTS_DIR [SECONDS]     (default 300)
# Writes fuzz-lean.txt (libFuzzer's last lines) and fuzz-lean.tsv (seconds, runs, corpus,
# status); a difference found is kept as fuzz-lean-crash-* in RESULTS_DIR, and the script
# fails.
set -euo pipefail
results=$(realpath "$1")
seconds=${2:-300}
tools=$PWD/target/bench-tools/cargo
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  echo "bench: installing cargo-fuzz (crates.io, once)"
  cargo install --quiet --locked --root "$tools" cargo-fuzz --version 0.13.2
fi
target=$PWD/target/fuzz
corpus=$target/corpus/lean_head
mkdir -p "$corpus"
cd service-kit/fuzz
rm -rf artifacts
status=0
"$tools/bin/cargo-fuzz" run --sanitizer none --target-dir "$target" lean_head "$corpus" seeds/lean_head -- \
  -dict=lean_head.dict -max_len=4096 -max_total_time="$seconds" -print_final_stats=1 \
  > "$results/fuzz-lean.log" 2>&1 || status=$?
grep -E '^(Done|stat::|SUMMARY)|panicked|lean path and hyper' "$results/fuzz-lean.log" > "$results/fuzz-lean.txt" || true
runs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$results/fuzz-lean.log")
printf '%s\t%s\t%s\t%s\n' "$seconds" "${runs:-0}" "$(find "$corpus" -type f | wc -l)" "$status" > "$results/fuzz-lean.tsv"
for found in artifacts/lean_head/*; do
  [ -e "$found" ] && cp "$found" "$results/fuzz-lean-$(basename "$found")"
done
if [ "$status" != 0 ]; then
  echo "bench: the lean path fuzz target found a difference (see $results/fuzz-lean.txt)" >&2
  exit 1
fi
