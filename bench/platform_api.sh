#!/usr/bin/env bash
# Platform read throughput (issue 7: API reads >= 2,000 requests/s, inventory pages p99 < 100 ms).
#
#   bench/platform_api.sh [postgres://postgres@127.0.0.1:5432/test]
#
# Starts `shuan demo` (embedded SQLite, or PostgreSQL in a fresh schema when a URL is given),
# adds an operator source of 2,000 generated CSV tables x 50 columns (100,000 columns, scanned
# by the server like any source), then runs wrk from this second process against the API
# (API token) and the pages (session cookie) and prints one markdown row per request.
# Environment: SHUAN (binary, default target/release/shuan), PORT (18090), DURATION (10s),
# TABLES (2000), COLUMNS (50).
set -euo pipefail

database_url="${1:-}"
shuan="${SHUAN:-${CARGO_TARGET_DIR:-target}/release/shuan}"
port="${PORT:-18090}"
duration="${DURATION:-10s}"
tables="${TABLES:-2000}"
columns="${COLUMNS:-50}"
base="http://127.0.0.1:$port"

command -v wrk >/dev/null || { echo "installing wrk" >&2; apt-get install -y wrk >/dev/null; }
command -v jq >/dev/null || { echo "installing jq" >&2; apt-get install -y jq >/dev/null; }
[ -x "$shuan" ] || { echo "build it first: cargo build --release -p shuan" >&2; exit 2; }

work="$(mktemp -d /tmp/shuan-bench.XXXXXX)"
corpus="$work/corpus"
mkdir -p "$corpus"
schema=""
url_args=()
if [ -n "$database_url" ]; then
    schema="bench_$(date +%s)"
    psql "$database_url" -qc "CREATE SCHEMA $schema"
    separator='?'
    [[ "$database_url" == *\?* ]] && separator='&'
    url_args=(--database-url "${database_url}${separator}options=-c%20search_path%3D$schema")
fi
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$schema" ]; then
        psql "$database_url" -qc "DROP SCHEMA $schema CASCADE" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# The generated tables: a resident id, a mobile and a name among plain columns, four rows.
python3 - "$corpus" "$tables" "$columns" <<'EOF'
import sys, os
folder, tables, columns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
head = ["姓名", "身份证号", "手机号"] + [f"field_{i}" for i in range(3, columns)]
rows = [["张伟", "120103198001011237", "13812345678"], ["李娜", "120103199002154568", "13912345679"],
        ["王芳", "120103197511307893", "13712345670"], ["赵敏", "120103198812123216", "13612345671"]]
for t in range(tables):
    with open(os.path.join(folder, f"t{t:05}.csv"), "w") as f:
        f.write(",".join(head) + "\n")
        for r in rows:
            f.write(",".join(r + [f"v{t}_{i}" for i in range(3, columns)]) + "\n")
EOF

# The rate limits are for people and scripts, not for a load test: raised out of the way.
cat > "$work/shuan.yaml" <<'EOF'
api_rate: {burst: 100000000, per_minute: 100000000}
login_rate_per_address: {burst: 1000, per_minute: 1000}
EOF
"$shuan" demo --data-dir "$work/data" --listen "127.0.0.1:$port" --allow-root "$corpus" \
    --config "$work/shuan.yaml" "${url_args[@]}" > "$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 120); do curl -sf "$base/healthz" >/dev/null && break; sleep 1; done

login() { # username -> "session-cookie csrf-token"
    local jar="$work/$1.jar" csrf="bench-login-csrf-0123456789abcdef0123"
    curl -sf -c "$jar" -b "shuan_login_csrf=$csrf" -o /dev/null \
        --data-urlencode "username=$1" --data-urlencode "password=Shuan-demo-2026" \
        --data-urlencode "csrf=$csrf" "$base/login"
    local cookie
    cookie="shuan_session=$(awk '$6 == "shuan_session" {print $7}' "$jar")"
    echo "$cookie $(curl -sf -b "$cookie" "$base/api/v1/me" | jq -r .csrf_token)"
}
read -r cookie csrf < <(login officer_a)
token="$(curl -sf -b "$cookie" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
    -d '{"name":"bench"}' "$base/api/v1/tokens" | jq -r .token)"
api() { curl -sf -H "authorization: Bearer $token" "$@"; }

source_id="$(api -H 'content-type: application/json' \
    -d "{\"kind\":\"path\",\"system\":\"Bench\",\"name\":\"generated\",\"location\":\"$corpus\"}" \
    "$base/api/v1/sources" | jq .id)"
job="$(api -X POST "$base/api/v1/sources/$source_id/scan" | jq .job_id)"
started=$(date +%s)
until [ "$(api "$base/api/v1/jobs/$job" | jq -r .status)" = succeeded ]; do sleep 2; done
# The demo's own scans are queued first; wait for every job, so the figures are complete.
until [ "$(api "$base/api/v1/jobs" | jq '[.[] | select(.status == "queued" or .status == "running")] | length')" = 0 ]; do sleep 1; done
echo "scanned $tables tables in $(( $(date +%s) - started )) s" >&2
table_id="$(api "$base/api/v1/tables?source_id=$source_id" | jq '.[0].id')"
job_id="$(api "$base/api/v1/jobs" | jq '.[-1].id')"
echo "columns: $(api "$base/api/v1/dashboard" | jq .columns)" >&2

# wrk prints latencies as 1.23ms / 456.00us / 1.02s; the table shows milliseconds.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /[0-9]s$/ && v !~ /ms$/) n *= 1000; printf "%.1f ms", n }'; }
# CPU time (user + system, in clock ticks) the server has used so far.
server_ticks() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
ticks_per_second="$(getconf CLK_TCK)"
# The machine is shared, so besides requests/s each row gives requests per CPU-second of the
# server process, which other load does not change much.
measure() { # label connections header path
    local out before after
    before="$(server_ticks)"
    out="$(wrk -t2 -c"$2" -d"$duration" --latency -H "$3" "$base$4")"
    after="$(server_ticks)"
    local rps p50 p99 requests per_cpu
    rps="$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out")"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    per_cpu="$(awk -v n="$requests" -v t="$(( after - before ))" -v hz="$ticks_per_second" \
        'BEGIN { printf "%d", (t > 0 ? n * hz / t : 0) }')"
    p50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    if grep -q "Non-2xx" <<<"$out"; then echo "warning: $1 answered non-2xx" >&2; fi
    printf '| %s | %s | %s | %s | %s |\n' "$1" "$rps" "$per_cpu" "$(ms "$p50")" "$(ms "$p99")"
}
bearer="authorization: Bearer $token"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| request | requests/s | per server CPU-second | p50 | p99 |"
echo "| --- | ---: | ---: | ---: | ---: |"
measure '`GET /healthz`' 16 "x-bench: 1" /healthz
measure '`GET /api/v1/sources`' 16 "$bearer" /api/v1/sources
measure "\`GET /api/v1/jobs/$job_id\`" 16 "$bearer" "/api/v1/jobs/$job_id"
measure '`GET /api/v1/tables?level=pi`' 16 "$bearer" "/api/v1/tables?level=pi"
measure "\`GET /api/v1/tables/$table_id\`" 16 "$bearer" "/api/v1/tables/$table_id"
measure '`GET /api/v1/dashboard`' 16 "$bearer" /api/v1/dashboard
measure 'page `/inventory`' 8 "cookie: $cookie" /inventory
measure 'page `/inventory?page=10`' 8 "cookie: $cookie" "/inventory?page=10"
measure "page \`/inventory/tables/$table_id\`" 8 "cookie: $cookie" "/inventory/tables/$table_id"
measure 'page `/` (dashboard)' 8 "cookie: $cookie" /
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# The whole classification-and-grading list of the operator, once each way.
for format in csv xlsx; do
    started=$(date +%s.%N)
    api -o "$work/list.$format" "$base/api/v1/export/inventory.$format"
    echo "export $format: $(stat -c %s "$work/list.$format") bytes in $(echo "$(date +%s.%N) - $started" | bc) s" >&2
done
