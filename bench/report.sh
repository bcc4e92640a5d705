#!/usr/bin/env bash
# Renders docs/benchmarks.md from the results of bench/run.sh: report.sh RESULTS_DIR ROUNDS
set -euo pipefail
dir=$1
rounds=$2

j() { jq -r "$2" "$dir/$1.json"; }
cmd() { printf '`%s`' "$(cat "$dir/$1.cmd")"; }
has() { [ -f "$dir/$1.json" ]; }
# fanout_rows PREFIX: a table row per watcher count, from PREFIX-N.json's medians.
fanout_rows() {
  for n in 1 1000 10000; do
    has "$1-$n" || continue
    j "$1-$n" '.median | "| '"$n"' | \(.publish_ms) ms | \(.notified_p50_ms) ms | \(.notified_p99_ms) ms | \(.reread_p50_ms) ms | \(.reread_p99_ms) ms | \(.reread_max_ms) ms | \(.failed) |"'
  done
}

cat <<EOF
# Benchmarks

Written by \`make bench\` (\`bench/run.sh\`): every figure below comes from the run that wrote
this page, on the machine it describes, against release builds. Where a scenario repeats,
the figure is the median of $rounds rounds. The load generator is \`lyre-bench\` (\`bench/\`),
on the same machine as the server. Each scenario starts a fresh all-in-one \`lyre\` on SQLite
(\`LYRE_LONG_POLL_TIMEOUT_SECS=90\`); the exact \`lyre-bench\` command is given with each
figure (addresses are the ports of that run).

## Machine

| | |
|---|---|
| when | $(date -u '+%Y-%m-%d %H:%M UTC') |
| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown) |
| CPU | $(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') |
| memory | $(free -g | awk '/^Mem:/ {print $2}') GiB |
| kernel | $(uname -r) |
| open files per process | $(ulimit -n) |
| rustc | $(rustc --version) |

## 1. Long polls held by one config service

Watchers from $(j capacity .processes) load processes spread over 8 loopback source addresses,
against one \`lyre\` whose process may open $(ulimit -n) files.

| asked | held | server memory idle | server memory holding | per waiting long poll |
|---|---|---|---|---|
| $(j capacity .asked) | $(j capacity .held) | $(j capacity '.rss_idle_kib / 1024 | floor') MiB | $(j capacity '.rss_holding_kib / 1024 | floor') MiB | $(j capacity .kib_per_long_poll) KiB |

The memory per waiting long poll is what the server grew by from a tenth of them
($(j capacity .held_first) held, $(j capacity '.rss_holding_first_kib / 1024 | floor') MiB) to all of them, per poll: what the first ones bring into use
once, and what the process keeps or gives back of what starting took, do not count.

Command: $(cmd capacity) (after $(cmd setup-capacity)). Target: under 10 KiB per long poll.

## 2. Fan-out: one publish, N watchers waiting

Each watcher holds a \`/notifications/v2\` long poll; one release of the 50-key namespace is
published through the admin service; each watcher then gets its \`200\` and re-reads
\`/configs\` on the same connection. Times are from the start of the publish request.

| watchers | publish request | notified p50 | notified p99 | re-read p50 | re-read p99 | re-read max | failed |
|---|---|---|---|---|---|---|---|
EOF
fanout_rows fanout
cat <<EOF

Commands: $(for n in 1 1000 10000; do has "fanout-$n" && cmd "fanout-$n" && printf '; '; done | sed 's/; $//').
Target: p99 under 100 ms at 10,000 watchers, and a publish request that does not grow with N.

Every round, for 10,000 watchers:

| round | publish request | re-read p50 | re-read p99 | re-read max |
|---|---|---|---|---|
EOF
has fanout-10000 && j fanout-10000 '.rounds | to_entries[] | "| \(.key + 1) | \(.value.publish_ms) ms | \(.value.reread_p50_ms) ms | \(.value.reread_p99_ms) ms | \(.value.reread_max_ms) ms |"'

if has nacos-fanout-1; then
cat <<EOF

The same with r-nacos (crates.io \`rnacos\` 0.8.8, its v1 listener \`POST
/nacos/v1/cs/configs/listener\` holding the content's MD5, a publish through \`POST
/nacos/v1/cs/configs\`, then a \`GET /nacos/v1/cs/configs\` on the same connection). r-nacos
does not report how many listeners it holds, so the publish comes 1 s + N/5000 s after the
last listener request was sent.

| watchers | publish request | notified p50 | notified p99 | re-read p50 | re-read p99 | re-read max | failed |
|---|---|---|---|---|---|---|---|
EOF
fanout_rows nacos-fanout
printf '\nCommand: %s\n' "$(cmd nacos-fanout-10000)"
fi

if has fanout-carried-1; then
cat <<EOF

With the configuration carried in the notification (\`withConfigs=true\`, what Lyre's SDK asks
for): each watcher's answer is the new configuration, and it reads nothing after it, so its
re-read time is its notified time.

| watchers | publish request | notified p50 | notified p99 | re-read p50 | re-read p99 | re-read max | failed |
|---|---|---|---|---|---|---|---|
EOF
fanout_rows fanout-carried
printf '\nCommand: %s\n' "$(cmd fanout-carried-10000)"
fi

# cpu CELL NAME FIELD: a median CPU figure, or a dash when that run is missing.
cpu() { if has "$1"; then j "$1" ".median.$2 | if . == null then \"–\" else \"\\(.) µs\" end"; else printf -- '–'; fi; }
if has fanout-split-1; then
cat <<EOF

### Server CPU per watcher

The server's CPU time (user + system, summed over its threads from
\`/proc/PID/task/*/schedstat\`) from the start of the publish until the last watcher is done,
divided by the watchers: what each one costs, the publish included (it runs in the same
process, and dominates at one watcher). In the split runs (\`--split\`) re-reads wait until
every watcher is notified, so the time divides into the notifications and the re-reads.

| watchers | Lyre: per watcher | Lyre: per notification | Lyre: per re-read | Lyre, carried: per watcher | r-nacos: per watcher | r-nacos: per notification | r-nacos: per re-read |
|---|---|---|---|---|---|---|---|
EOF
for n in 1 1000 10000; do
  printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
    "$(cpu "fanout-$n" server_cpu_us_per_watcher)" \
    "$(cpu "fanout-split-$n" server_cpu_us_per_notification)" \
    "$(cpu "fanout-split-$n" server_cpu_us_per_reread)" \
    "$(cpu "fanout-carried-$n" server_cpu_us_per_watcher)" \
    "$(cpu "nacos-fanout-$n" server_cpu_us_per_watcher)" \
    "$(cpu "nacos-fanout-split-$n" server_cpu_us_per_notification)" \
    "$(cpu "nacos-fanout-split-$n" server_cpu_us_per_reread)"
done
printf '\nCommands: %s; %s.\n' "$(cmd fanout-split-10000)" "$(cmd nacos-fanout-split-10000)"
fi
if has profile-fanout; then
  printf '\nInstructions per watcher (callgrind, user space; a watcher'"'"'s connection, long poll, notification\nand re-read, and the publish once, over a round of %s): %s; with the configuration carried, %s.\nCommand: %s.\n' \
    "$(j profile-fanout .watchers)" "$(j profile-fanout .per_watcher)" \
    "$(has profile-fanout-carried && j profile-fanout-carried .per_watcher || echo –)" "$(cmd profile-fanout)"
fi

if [ -f "$dir/reads.tsv" ]; then
cat <<EOF

## 3. Read throughput

\`wrk -t1 -c64 -d10s\` against each server in turn, $rounds rounds, all serving the same
$(wc -c < "$dir/config.json")-byte JSON document (the 50-key namespace as \`/configfiles/json\`
renders it): nginx as a static file, r-nacos as a config, etcd as a key's value read with a
range request through its HTTP gateway (which answers it base64-encoded inside JSON). Lyre's
\`/configs\` answers the same keys in Apollo's envelope. Median requests per second, the
ratio to nginx in the same run, and the server's CPU time per request (user + system, from
\`/proc/PID/stat\` before and after each round, nginx's workers included; median of the rounds):

| server | requests/s (median) | × nginx | CPU per request | every round | errors |
|---|---|---|---|---|---|
EOF
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
nginx_median=$(awk -F'\t' '$2 == "nginx" {print $3}' "$dir/reads.tsv" | median_of)
for name in nginx lyre-configs lyre-configfiles rnacos etcd; do
  rates=$(awk -F'\t' -v n="$name" '$2 == n {print $3}' "$dir/reads.tsv")
  median=$(median_of <<< "$rates")
  errors=$(awk -F'\t' -v n="$name" '$2 == n && $4 != "0" {print $4}' "$dir/reads.tsv" | sort -u | tr '\n' ' ')
  case $name in
    lyre-configs) label='Lyre `/configs`' ;;
    lyre-configfiles) label='Lyre `/configfiles/json`' ;;
    rnacos) label='r-nacos 0.8.8 config read' ;;
    etcd) label="etcd $(etcd --version 2> /dev/null | awk '/etcd Version/ {print $3}') range (HTTP gateway)" ;;
    *) label="nginx $(nginx -v 2>&1 | sed 's|.*/||') static file" ;;
  esac
  cpu=$(awk -F'\t' -v n="$name" '$2 == n {print $5}' "$dir/reads.tsv" | median_of)
  printf '| %s | %.0f | %.2f | %s µs | %s | %s |\n' "$label" "$median" \
    "$(awk -v a="$median" -v b="$nginx_median" 'BEGIN {print a / b}')" "$cpu" \
    "$(awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}' <<< "$rates")" "${errors:-none}"
done
printf '\nCommand: `%s`. Target: Lyre at least 0.75× nginx.\n' "$(cat "$dir/reads.cmd")"
fi

if has profile-reads; then
cat <<EOF

A cached \`/configs\` read costs Lyre $(j profile-reads .per_request) instructions in user space
($(j profile-reads .instructions) over $(j profile-reads .requests) reads, \`wrk -t1 -c8\` for 10 s,
counted by valgrind's callgrind, background work of those seconds included; the kernel's share is
not counted). Command: $(cmd profile-reads); the costliest functions are in its
\`profile-reads.txt\`.
EOF
fi

if [ -s "$dir/reads-reporting.tsv" ]; then
median_of() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
quiet=$(awk -F'\t' '$2 == "lyre-configs" {print $3}' "$dir/reads.tsv" | median_of)
busy=$(cut -f2 "$dir/reads-reporting.tsv" | median_of)
mid() { jq -s "map(.$1) | sort | .[length/2|floor]" "$dir"/reports-*.json; }
cat <<EOF

### Reads while apps report

Apply reports (\`POST /reports\`, what Lyre's SDK and \`lyre agent\` send after each release)
are noted in memory and written by the config service's recorder in the background, after
the read they follow. The same \`/configs\` load as above, while 1,000 instances send 500
reports a second (one in ten \`rejected\`):

| | requests/s (median) | every round |
|---|---|---|
| \`/configs\` alone (above) | $(printf '%.0f' "$quiet") | $(awk -F'\t' '$2 == "lyre-configs" {printf "%s%.0f", (n++ ? ", " : ""), $3}' "$dir/reads.tsv") |
| \`/configs\` while reports flow | $(printf '%.0f' "$busy") | $(cut -f2 "$dir/reads-reporting.tsv" | awk '{printf "%s%.0f", (NR > 1 ? ", " : ""), $1}') |

Ratio $(awk -v a="$busy" -v b="$quiet" 'BEGIN {printf "%.2f", a / b}'). The reports' own answers (median of the rounds): p50 $(mid p50_ms) ms,
p99 $(mid p99_ms) ms; refused $(jq -s 'map(.refused) | add' "$dir"/reports-*.json) of
$(jq -s 'map(.sent) | add' "$dir"/reports-*.json). Command: \`$(cat "$dir/reads-reporting.cmd")\`.
$(has reports-alone && j reports-alone '"Alone (no reads), the same 500 reports a second cost the server \(.server_cpu_us_per_report) µs of CPU each (\(.server_cpu_ms) ms over \(.sent) reports, from /proc, user + system; answered in p50 \(.p50_ms) ms, p99 \(.p99_ms) ms)."')
$(has reports-alone && printf 'Command: %s.' "$(cmd reports-alone)")
EOF
fi

cat <<EOF

## 4. Publish throughput

One client publishes 50 releases in a row, each after changing one key (the change is not
timed; the release request is). "First publish" is creating the app, writing every key in
text mode and publishing it.

| database | keys | releases per second | publish p50 | publish p99 | first publish |
|---|---|---|---|---|---|
EOF
for backend in sqlite postgres postgres-socket mariadb mariadb-socket; do
  for keys in 10 1000 10000; do
    has "publish-$backend-$keys" || continue
    j "publish-$backend-$keys" '"| '"$backend"' | \(.keys) | \(.releases_per_s) | \(.publish_p50_ms) ms | \(.publish_p99_ms) ms | \(.setup_ms) ms |"'
  done
done
has publish-postgres-10 || printf '\nPostgreSQL was not reachable in this run.\n'
has publish-mariadb-10 || printf '\nMariaDB was not reachable in this run.\n'
cat <<EOF

Command (per row): $(cmd publish-sqlite-1000) with \`--keys\` set to the row's size.
\`postgres\` and \`mariadb\` connect over TCP (127.0.0.1), \`postgres-socket\` and
\`mariadb-socket\` to the same servers through their Unix sockets (\`?host=/var/run/postgresql\`,
\`?socket=/run/mysqld/mysqld.sock\`).

TCP beside the same server's socket (publish p50 over TCP ÷ through the socket; target: at most
1.3):

| database | keys | TCP p50 | socket p50 | TCP ÷ socket |
|---|---|---|---|---|
EOF
for backend in postgres mariadb; do
  for keys in 1000 10000; do
    has "publish-$backend-$keys" && has "publish-$backend-socket-$keys" || continue
    jq -rn --slurpfile tcp "$dir/publish-$backend-$keys.json" \
      --slurpfile socket "$dir/publish-$backend-socket-$keys.json" \
      '"| '"$backend"' | '"$keys"' | \($tcp[0].publish_p50_ms) ms | \($socket[0].publish_p50_ms) ms | \(($tcp[0].publish_p50_ms / $socket[0].publish_p50_ms * 100 | round) / 100) |"'
  done
done
cat <<EOF

## 4b. Retention under publishes

EOF
if has retention; then
cat <<EOF
A SQLite database holding 100,000 old releases besides the benchmark's (100 namespaces of
1,000, written straight into the database by \`bench/seed-releases.sh\`), trimmed by the
retention job to 10 a namespace (\`LYRE_RETAIN_RELEASES=10\`, batches of 50 rows, a 20 ms
pause after each) while one client publishes another namespace of 20 keys release after
release. SQLite has one writer for the whole database, so this is where a trim could hold a
publish up the most.

| | publishes | publish p50 | publish p99 | publish max |
|---|---|---|---|---|
| retention off | $(j retention-baseline .releases) | $(j retention-baseline .publish_p50_ms) ms | $(j retention-baseline .publish_p99_ms) ms | |
| while trimming | $(j retention .publishes) | $(j retention .publish_p50_ms) ms | $(j retention .publish_p99_ms) ms | $(j retention .publish_max_ms) ms |

The trim deleted $(j retention .deleted) releases in $(j retention .trim_s) s ($(j retention .deleted_per_s) a second).
Commands: $(cmd retention-baseline), then with the job on, $(cmd retention).
EOF
else
  printf 'not run.\n'
fi

# scale_row NAME LABEL: the medians of a scale-out run as a table row.
scale_row() {
  has "scaleout-$1" || return 0
  j "scaleout-$1" '.median as $m | ([range(1; .config_services + 1) | ($m["server\(.)_notified_p99_ms"] // 0)] | max) as $slowest
    | "| '"$2"' | \(.config_services) × \(.watchers_per_config_service) | \($m.publish_ms) ms | \($m.notified_p50_ms) ms | \($m.notified_p99_ms) ms | \($slowest) ms | \($m.reread_p99_ms) ms | \($m.failed) | \($m.db_statements_per_publish // "–") | \($m.db_statements_per_s_at_rest // "–") |"'
}
cat <<EOF

## 4c. Several config services on one database

Three config services (\`lyre --target config-service\`, each its own process, port and file
limit) and a fourth process with the portal and the admin service, on one database. The long
polls are spread evenly over the three, all opened by one load process (its own file limit
bounds the total here; one config service alone holds what section 1 shows). A round changes
one key and publishes through the portal (\`POST /api/v1/envs/DEV/apps/bench/clusters/default/namespaces/application/releases\`,
signed in as \`admin\`); times are from the start of that request, to the moment each watcher
is told and to the end of its re-read. The database's statements are counted around each
publish: on PostgreSQL from \`pg_stat_statements\` (of Lyre's database), on MariaDB from the
server's \`Questions\`; the config services' resting load (their scans for new releases, the
instance records) is measured over 5 s before the publish and taken off.

| database | config services × watchers | publish request | told p50 | told p99 | slowest process's p99 | re-read p99 | failed | statements per publish | statements a second at rest |
|---|---|---|---|---|---|---|---|---|---|
$(scale_row postgres PostgreSQL)
$(scale_row mariadb MariaDB)

Commands: $(has scaleout-postgres && cmd scaleout-postgres); $(has scaleout-mariadb && cmd scaleout-mariadb).
EOF
if has scaleout-postgres && [ "$(j scaleout-postgres '.rounds[0].db_top_statements | length')" != 0 ]; then
cat <<EOF

What PostgreSQL ran in the first round's window (the publish, its propagation to three config
services, the re-reads' instance records, and the resting load of those seconds):

| calls | statement |
|---|---|
EOF
j scaleout-postgres '.rounds[0].db_top_statements[] | "| \(.calls) | `\(.statement | gsub("\\|"; "\\\\|"))` |"'
fi
cat <<EOF

## 5. Footprint

The all-in-one \`lyre\` (portal, config service with meta server, admin service) started
$(j startup .runs) times: time from the process start until all three \`/ready\` answer \`200\`, on a new
database (migrations and the admin user included) and again on that database; then memory
after 5 s idle.

| ready, new database | ready, existing database | idle memory |
|---|---|---|
| $(j startup .median.ready_fresh_ms) ms | $(j startup .median.ready_restart_ms) ms | $(j startup '.median.idle_rss_kib / 1024 | . * 10 | floor / 10') MiB |

Command: $(cmd startup). Targets: ready in under 1 s, idle under 64 MiB.

## Faults and bad input

**6. The database stops for a while under load.** Measured here when the outage scenario ran:
EOF
if has outage; then
cat <<EOF
an all-in-one \`lyre\` on PostgreSQL reached through a TCP proxy, cut for $(j outage .outage_s) s (open
connections closed, new ones refused) while $(j outage .readers) clients read \`/configs\` every 20 ms
and $(j outage .watchers) long polls wait (10 s long-poll timeout).

| reads | failed reads | long polls | failed long polls | first release after the return | watchers told of it |
|---|---|---|---|---|---|
| $(j outage .reads) | $(j outage .failed_reads) | $(j outage .long_polls) | $(j outage .failed_long_polls) | $(j outage .first_release_after_return_ms) ms (publish attempts: $(j outage .publish_attempts_after_return)) | $(j outage .watchers_told) of $(j outage .watchers) |

Command: $(cmd outage). The same, shorter, runs in the test suite on PostgreSQL and MariaDB
(\`config-service/tests/outage.rs\`).
EOF
else
  printf 'not run (no PostgreSQL reachable).\n'
fi
cat <<EOF

**7. One of two config services killed under SDK clients.** In the test suite:
\`client-sdk/integration\` kills one of two config services under \`lyre-client\` handles, on
SQLite, PostgreSQL and MariaDB; no read fails and the next release still arrives.

**8. 1,000 concurrent edits and publishes.** In the test suite:
\`admin-service/tests/concurrency.rs\` (\`a_thousand_concurrent_edits_and_publishes_lose_nothing\`),
on SQLite, PostgreSQL and MariaDB: 500 edits and 500 publishes of one namespace at once; every
request succeeds, every key is there, each release contains everything the one before did,
the history lists every release once, in order, and notification ids strictly increase.
Found and fixed by it: with ten pooled connections, the waiters for the namespace's row lock
held every connection, and 400 to 600 of the 1,000 requests failed with 500 after the pool's
5 s acquire timeout; writers of one namespace now queue inside the process.

**9. Fuzzing and malformed input.** schemathesis 4.32.5 from each API's own \`/openapi.json\`,
checks \`not_a_server_error\`, \`status_code_conformance\` and \`response_schema_conformance\`
(the portal's Open API with a consumer token, its whole API signed in and anonymous, and the
admin service with its credential):

| API | exit status | summary |
|---|---|---|
EOF
if [ -f "$dir/fuzz.tsv" ]; then
  while IFS=$'\t' read -r name status; do
    # The test cases line, then what is listed under Failures and Errors.
    summary=$(awk '/^Test cases:/ {getline; sub(/^ +/, ""); print "cases: " $0}
      /^(Failures|Errors):/ {section = $1; next}
      section && /^ *$/ {section = ""}
      section {sub(/^ +/, ""); print section " " $0}' "$dir/fuzz-$name.txt" | paste -sd ';' | sed 's/;/; /g; s/|/\\|/g')
    printf '| %s | %s | %s |\n' "$name" "$status" "$summary"
  done < "$dir/fuzz.tsv"
  printf '\nCommand: `%s` (and the admin service'"'"'s `/openapi.json` with its credential).\n' "$(cat "$dir/fuzz.cmd")"
  printf '\n"Failures" are answers of Lyre'"'"'s that broke a check; "Errors" are schemathesis failing inside\nitself on an operation (its generator, not the server) and say nothing about Lyre.\n'
fi
if [ -f "$dir/fuzz-lean.tsv" ]; then
  IFS=$'\t' read -r seconds runs corpus status < "$dir/fuzz-lean.tsv"
  cat <<EOF

The config port's lean HTTP path (\`service-kit/src/lean.rs\`) fuzzed against hyper with
libFuzzer (\`service-kit/fuzz\`, target \`lean_head\`): from any bytes a client sends, the
requests the router receives (lean path first, hyper after the hand-off) must be exactly those
hyper alone makes of the same bytes. $seconds s, $runs inputs, a corpus of $corpus, exit
status $status (0: no difference found). Command: \`bash bench/fuzz-lean.sh RESULTS $seconds\`.
EOF
fi
cat <<EOF

Malformed requests (broken, 5,000-deep, 3 MiB and non-UTF-8 JSON, wrong content types, dot-dot
and double-encoded paths, NUL bytes, a 10,000-character key, a method a path does not take)
run in the test suite against the real binary (\`lyre/tests/bad_input.rs\`): each is answered
4xx, with a JSON reason except where the HTTP layer or Apollo's protocol answers bare, and a
dump of the database is byte for byte the same afterwards.
EOF
cat <<'EOF2'

## Changes made from these measurements

- **A waiting long poll cost 22.5 KiB of server memory; it now costs about 6.** Profiled with
  valgrind's DHAT on `lyre` holding 2,000 polls (`valgrind --tool=dhat
  --dhat-out-file=dhat.json target/release/lyre`, then `lyre-bench setup` and `lyre-bench
  hold --count 2000`, then `bench/dhat-top.py dhat.json`). Per connection, hyper kept 16 KiB
  reserved for reading (taken again while a request is pending, to notice a client that goes
  away) and 8 KiB of write buffer from connection start; neither is a setting of `axum::serve`
  or hyper's builder. Changes, each measured with `lyre-bench capacity --count 19800
  --processes 2`:
  1. The config port reads plain `GET`s itself (`service-kit/src/lean.rs`): the head is read
     onto the stack and parsed with httparse, nothing is buffered while the request waits, the
     client hanging up is noticed without a buffer, and the answer goes out in one vectored
     write; the request still runs through the same router and middleware. Anything else (a
     body, another method, HTTP/1.0, an upgrade, a head over 16 KiB) hands the connection to
     hyper. 22.5 → 10.8 KiB.
  2. What was left, by DHAT at the peak: the long-poll handler's boxed future (2,984 bytes, most
     of it the state of reading the request, kept for the whole wait), the connection task
     (1,664), the metrics middleware's `from_fn` future (1,176 plus a 320-byte box), five
     smaller boxed layer futures (about 1.5 KiB) and the extractors' copies of the headers,
     URI and query. The request is now read in a separate short-lived future
     (`config-service/src/routes/notifications.rs`), its copies are dropped before waiting,
     and the metrics middleware is a plain tower layer whose future is the inner one plus a
     few words (`service-kit/src/trace.rs`). 10.8 → 6.2 KiB.

  Read throughput did not move (same run, `wrk -t1 -c64 -d8s`, three rounds, before → after:
  `/configs` 64.6k → 67.2k requests/s, `/configfiles/json` 67.2k → 65.9k, nginx 74.2k).
- **Connection limits cost neither capacity nor reads** (measured by hand after adding the head
  deadline, the idle timeout and `max_connections`, on a 2-core machine whose process may open
  20,000 files; `target/release/lyre` built before and after the change):
  `lyre-bench capacity --count 19800 --processes 2` (after `lyre-bench setup`) held 19800 of
  19800 long polls at 6.2 KiB each (39 MiB idle, 158 MiB holding), as before: the default
  limit is the file limit less 128. `wrk -t1 -c64 -d8s http://<config>/configs/bench/default/application`
  against each binary in turn, three rounds: before 65.4k, 65.5k, 66.1k requests/s; after
  68.0k, 68.5k, 66.5k.
- **Fan-out re-reads stampeded the database.** After a publish, every watcher's re-read missed
  the answer, release and branch caches at once and each read the database: 1,996 misses for
  two rounds of 1,000 watchers (`lyre_release_cache_misses_total`). Loads are now one per stale
  key; the other readers wait for it (`config-service/src/answers.rs`). Measured by hand on
  this machine with `lyre-bench fanout --watchers 1000 --rounds 2` against the all-in-one
  `lyre` on SQLite: re-read p50 164 → 37 ms, p99 226 → 51 ms, notified p99 39 → 24 ms.
- **A read cost 1.8 times nginx's CPU; it now costs about 1.55 times, at about 0.8× nginx's
  rate.**
  Profiled with `bench/profile-reads.sh` (callgrind: user-space instructions per cached
  `/configs` read, repeatable on this noisy machine) and `strace -c -f -p PID` over a `wrk
  -t1 -c64` run (system calls per read). Each change measured before the next:

  | change | instructions per read |
  |---|---|
  | before | 67,544 |
  | request ids drawn from a per-thread generator instead of a `getrandom` call each; the request metrics kept as handles found once per service, method, route and status (before: two vectors of nine label strings built and looked up in a map under the registry's lock on every request); a read of the release an instance already read is noted without building its delivery record; the kept-alive connection marks its socket drained after a short read (below) | 57,510 |
  | the five middleware layers applied as one stack: `Router::layer` boxes every route's service once per call, and each box was cloned, called and dropped on every request | 50,913 |
  | the head read into uninitialised stack space (`tokio::io::ReadBuf::uninit`) rather than a zeroed 4 KiB array | 46,428 |
  | environment prefixes split by a service in front of the config service's router (`service-kit/src/env.rs`) rather than by a fallback-only router around it, which routed every request a second time | 43,068 |

  System calls per read went from 3.7 (`writev` 1, `recvfrom` 1.69 of which 0.69 failed with
  `EAGAIN`, `getrandom` 1) to 2: after a read shorter than its buffer the socket's queue is
  empty, so the connection clears its readiness (tokio's `try_io`, which clears only what it saw
  before the read) instead of waking to a read that fails (`service-kit/src/lean.rs`; what nginx
  does after a short `recv`). Rates with `wrk -t1 -c64 -d8s` on `/configs` and nginx serving
  the same bytes, three rounds each, CPU time per request from `/proc/PID/stat` (the
  `cpu_ms` helper of `bench/lib.sh`), on the 2-core Intel Xeon machine of this page's run,
  quiet: before 74.8k, 73.4k, 73.7k requests/s (nginx 113.6k, 114.7k, 113.8k), 17.1 µs of CPU
  per read (nginx 8.7); after the middleware stack change 90.0k, 91.3k, 87.1k (nginx 114.9k,
  115.0k, 112.9k), 13.5 µs (nginx 8.5). The last change was measured while the machine was
  noisy (nginx 88k to 110k): 0.73 to 0.86× nginx, 14.5 to 16.7 µs per read against nginx's
  9.1 to 11.5; the same minutes gave the build before all of this 0.62×. After the last: 76.5k,
  83.5k, 88.6k against nginx's 94.7k, 110.0k, 111.8k (0.81, 0.76, 0.79×), 13.2 to 14.7 µs per
  read against nginx's 8.9 to 10.7. The single routing pass also took 0.8 KiB off each waiting
  long poll: 5.9 → 5.1 KiB (`lyre-bench capacity --count 10000 --processes 2`, before and after).
- **A waiting long poll: 4.4 → 3.6 KiB.** `lyre-bench capacity` now reports the memory the
  server grows by from a tenth of the polls to all of them (before: from the idle process,
  whose resident size after starting swung between 35 and 53 MiB from run to run, as the
  allocator kept or returned the 19 MiB that hashing the admin password takes). Measured that
  way, both builds in the same minutes (`lyre-bench capacity --count 19800 --processes 2`,
  after `lyre-bench setup`): 4.4 KiB before, 3.6 after, 138.9 → 123.4 MiB holding 19,800.
  DHAT at 8,000 held polls (before) named, per poll: the connection task (1,664 bytes), the
  long poll's boxed handler future (1,304: an axum handler's future keeps the whole request,
  its URI, headers and extensions, for as long as it runs, because an async function keeps its
  arguments), the middleware stack's future (560), tokio's registration of the socket (256),
  the list of watched namespaces (176), the waiter (48). Changes:
  `/notifications/v2` is a service rather than a handler, whose request is read by a boxed
  future that owns it and is gone before the wait, so the waiting future holds only the state,
  the environment's name, the watched list and the hub registration
  (`config-service/src/routes/notifications.rs`); the message keys are kept once, by the
  registration (before: also in the watched list); the hub copies an environment's or key's
  name only when it is new to its map (before: at every registration).
- **Fan-out: the server's CPU per watcher, beside r-nacos.** `lyre-bench fanout` and
  `nacos-fanout` take `--server-pid` (the server's CPU time, summed over its threads from
  `/proc/PID/task/*/schedstat`, from the publish to the last watcher done, divided by the
  watchers; the publish included) and `--split` (re-reads wait until every watcher is told, so
  the time divides into notifications and re-reads); `bench/profile-fanout.sh` counts
  callgrind instructions per watcher over one round of 1,000 (a watcher's connection, long
  poll, notification and re-read, and the publish once). What the profile named in the long
  poll's own handling (36,022 instructions a poll) and what changed: the query parameters were
  copied into a SipHash map of owned strings (now borrowed from the query string, in a list);
  the answer (a map of ids per watched namespace) was built at every look, before waiting and
  at every wake-up (now only when something changed); the notification counter was looked up
  by name (now a handle); the client's IP was written by the formatting machinery (now digit
  by digit); the hub copied names at every registration. After: 28,668 instructions a poll,
  and 147,244 → 141,596 a watcher in all; 132,031 with the configuration carried (below),
  whose larger saving is in the kernel, which callgrind does not see: one exchange fewer.
  Lyre's SDK now asks for the changed configuration with the notification (`withConfigs=true`
  on `/notifications/v2`, docs/client-protocol.md; Apollo's clients never ask and see Apollo's
  answer): one exchange per change instead of two. Measured by hand after these changes,
  `lyre-bench fanout --watchers N --rounds 3 --server-pid PID` (with `--split`, and with
  `--with-configs`) against the all-in-one `lyre` on SQLite, then `lyre-bench nacos-fanout`
  the same way against r-nacos 0.8.8, in the same minutes; medians of three rounds, µs of
  server CPU:

  | watchers | Lyre per watcher | notification | re-read | Lyre, carried, per watcher | r-nacos per watcher | notification | re-read |
  |---|---|---|---|---|---|---|---|
  | 1,000 | 55.9 | 20.5 | 35.5 | 44.6 | 68.7 | 16.6 | 54.6 |
  | 10,000 | 68.6 | 17.1 | 43.7 | 44.9 | 78.4 | 20.1 | 85.0 |

  With the configuration carried, 10,000 watchers had it at p99 461 ms after the publish
  started, against 576 ms to the end of the re-read without (r-nacos: 573 ms).
- **Three config services on one database** (the new scenario 4c, run by hand with
  `SCALE_PER_CONFIG=6000 ROUNDS=3`: 18,000 watchers from one load process, 6,000 on each of
  three `lyre --target config-service` processes, the portal and admin service in a fourth,
  one publish through the portal a round): told p50 474 ms and p99 996 ms on PostgreSQL
  (each process's p99 between 895 and 958 ms), 554 and 964 ms on MariaDB, every watcher told
  and re-read in each round. What a publish cost the database, its resting load taken off: 172
  statements on PostgreSQL (`pg_stat_statements`), 169 on MariaDB (`Questions`); at rest the
  three config services ran 36 a second (each scans for release messages ten times a second).
  The statements of a publish are mostly the instance records of the re-reads (which instance
  holds which release), one per instance and namespace, written in batches.
- **Publishing over TCP waited 40 ms for an acknowledgement.** Publishing 1,000 keys took
  about 50 ms on PostgreSQL over TCP against 6 ms through its Unix socket. A packet capture of
  five publishes (`tshark -i lo -f "tcp port 5432"` beside `lyre-bench publish --keys 1000
  --releases 5`; the capture read with `tshark -r CAPTURE -T fields -e frame.time_relative -e
  tcp.srcport -e tcp.len -e tcp.time_delta -o tcp.calculate_timestamps:TRUE`) showed it for
  every release: Lyre sent the first 16,406 bytes of the insert, then nothing until PostgreSQL
  acknowledged them 40 to 44 ms later (its delayed acknowledgement), and the remaining 18,736
  bytes 16 µs after that acknowledgement: Nagle's algorithm holding a partial segment while
  data is unacknowledged. The driver, sqlx 0.9.0, did not set `TCP_NODELAY` on its sockets;
  0.9.1 does (in `connect_tcp`, for every database it speaks). `lyre-store` now requires sqlx
  0.9.1 or later, so an upgrade cannot bring the stall back. After: the same capture shows
  16,406 + 16,406 + 2,330 bytes within 36 µs and no acknowledgement later than 30 ms after the
  segment before it (before: 27 in five publishes). Measured by hand on this machine (20
  releases each, the release build of each version; `lyre-bench publish --keys K --releases
  20` against a fresh database), publish p50 before → after:

  | database | keys | TCP before | TCP after | socket after | TCP ÷ socket after |
  |---|---|---|---|---|---|
  | PostgreSQL 15 | 1000 | 52.6 ms | 7.4 ms | 6.7 ms | 1.10 |
  | PostgreSQL 15 | 10000 | 86 ms | 40.1 ms | 36.7 ms | 1.09 |
  | MariaDB 10.11 | 1000 | 9.3 ms (p99 974 ms) | 7.3 ms | 6.7 ms | 1.09 |
  | MariaDB 10.11 | 10000 | 45.8 ms | 36.7 ms | 37.6 ms | 0.98 |

  On MariaDB over TCP before, the median hid the stall; one release of the twenty at 1,000 keys
  took almost a second.
- **A burst of writes to one namespace starved the connection pool** (scenario 8, above).
- **A page far past the end answered 500** (`GET /apps?page=9223372036854775808`), found by
  schemathesis: pages past the end are now empty.

## Where Lyre is short of its targets, and why

- **CPU per read** is about 1.55 times nginx's, against a target of 1.3. What is left, by
  `bench/profile-reads.sh`: axum's routing (the path parameters decoded and collected into
  owned strings, the matched path and parameters stored as request extensions), the request's
  extensions and header map filled and dropped (65 allocations per read in all, from 111), the
  middleware stack's futures; and the kernel's share,
  which the profile does not see: a third of the server's CPU time (6.2 s user, 3.4 s system
  over 618k reads of `wrk -t1 -c64 -d8s`).

- **Fan-out p99 at 10,000 watchers** is several hundred milliseconds against 100 ms (r-nacos,
  in the same run, misses it too). It is CPU, and mostly the kernel's: one publish wakes
  10,000 requests and each then re-reads `/configs`, 20,000 HTTP exchanges that the server and
  the load generator share two cores for (Lyre's SDK makes it 10,000: it takes the configuration
  from the notification). Over `lyre-bench fanout --watchers 10000 --rounds 3`
  (each round: 10,000 connections and their polls, then the publish, the notifications and
  the re-reads) the server used 1.29 s of user and 1.54 s of system CPU (`/proc/PID/stat`),
  the load generator 0.30 s user and 2.08 s system (`/usr/bin/time`): about 1.7 CPU-seconds a
  round, three quarters of it in socket system calls. Even a server that spent nothing in
  user space would leave the re-reads several times over 100 ms on this machine. The publish
  request itself stays a few milliseconds whatever the number of watchers (r-nacos's grows
  with them).
EOF2
