#!/usr/bin/env bash
# The portal (its whole API, signed in and anonymous; the Open API with a consumer token) and
# the admin service fuzzed with schemathesis (PyPI) from their own /openapi.json, against a
# fresh `lyre` on SQLite: no 5xx, no status the document does not list, no answer that breaks
# the schema.
#   fuzz.sh RESULTS_DIR LYRE_BINARY
# Writes fuzz-<api>.txt (schemathesis's summary) and fuzz.tsv (api, operations, cases, failures).
set -euo pipefail
results=$1
lyre=$(realpath "$2")
venv=$PWD/target/bench-tools/venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  echo "bench: installing schemathesis (PyPI, once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis==4.32.5
fi

work=$(mktemp -d)
source bench/lib.sh
portal=127.0.0.1:$(free_port)
config=127.0.0.1:$(free_port)
admin=127.0.0.1:$(free_port)
admin_token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
(cd "$work" && exec env LYRE_PORTAL_ADDR="$portal" LYRE_CONFIG_ADDR="$config" LYRE_ADMIN_ADDR="$admin" \
  LYRE_ADMIN_PASSWORD=fuzz-password LYRE_ADMIN_TOKENS="$admin_token" LYRE_LOG=warn "$lyre" > lyre.out 2> lyre.log) &
lyre_pid=$!
trap 'kill $lyre_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://$portal/ready" > /dev/null && break; sleep 0.1; done

# An app with a namespace, and a consumer token that may change and release it.
JSON='Content-Type: application/json'
session=$(curl -sf -X POST "http://$portal/api/v1/auth/login" -H "$JSON" \
  -d '{"username":"admin","password":"fuzz-password"}' | jq -r .token)
curl -sf -X POST "http://$portal/api/v1/apps" -H "Authorization: Bearer $session" -H "$JSON" \
  -d '{"appId":"fuzz","name":"Fuzz"}' > /dev/null
token=$(curl -sf -X POST "http://$portal/api/v1/consumers" -H "Authorization: Bearer $session" -H "$JSON" \
  -d '{"name":"fuzzer","grants":[{"appId":"fuzz","namespace":"*","envs":[],"permissions":["modify","release"]}],"rateLimit":100000}' \
  | jq -r .token)

# Every check, for each: no 5xx, no status the document does not list, no answer off its schema.
ALL_CHECKS=not_a_server_error,status_code_conformance,response_schema_conformance
run_schemathesis() { # name, checks, schema URL, extra args...
  local name=$1 checks=$2 schema=$3
  shift 3
  local status=0
  "$venv/bin/schemathesis" run "$schema" \
    --checks "$checks" \
    --max-examples 30 --seed 1 --workers 2 --no-color --output-truncate true \
    --suppress-health-check all "$@" > "$results/fuzz-$name.txt" 2>&1 || status=$?
  printf '%s\t%s\n' "$name" "$status" >> "$results/fuzz.tsv"
}
: > "$results/fuzz.tsv"
run_schemathesis openapi "$ALL_CHECKS" "http://$portal/openapi.json" --include-path-regex '^/openapi/v1/' \
  -H "Authorization: $token"
run_schemathesis admin "$ALL_CHECKS" "http://$admin/openapi.json" -H "Authorization: Bearer $admin_token"
# The whole portal API as the signed-in super admin (signing out would end the session; an
# app's zip import takes a body schemathesis cannot make), and as nobody at all.
run_schemathesis portal "$ALL_CHECKS" "http://$portal/openapi.json" --include-path-regex '^/api/v1/' \
  --exclude-path /api/v1/auth/logout --exclude-path '/api/v1/envs/{env}/apps/{appId}/import' \
  -H "Authorization: Bearer $session"
run_schemathesis anonymous "$ALL_CHECKS" "http://$portal/openapi.json" \
  --exclude-path '/api/v1/envs/{env}/apps/{appId}/import'
printf '%s\n' "schemathesis run http://PORTAL/openapi.json --include-path-regex '^/openapi/v1/' -H 'Authorization: TOKEN' --checks not_a_server_error,status_code_conformance,response_schema_conformance --max-examples 30 --seed 1 (and the same over the whole portal, signed in and anonymous)" > "$results/fuzz.cmd"
