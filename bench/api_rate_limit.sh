#!/usr/bin/env bash
# API throughput with the rate limiter in the path (issue 7, accounts): `shuan demo` on the
# embedded SQLite, an API token per user, `wrk` from a second process.
#   1. the limit raised out of the way: what the limiter costs on every request;
#   2. the default limit (burst 600, 100/s per token): how fast refusals (429) are answered
#      and that the admitted count matches the bucket;
#   3. a vendor's table list, which also reads its live grants on every request.
# Usage: bench/api_rate_limit.sh [path/to/release/shuan] [seconds]
set -euo pipefail
SHUAN=${1:-${CARGO_TARGET_DIR:-target}/release/shuan}
SECONDS_EACH=${2:-10}
PORT=18437
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

start() { # $1: config file (or empty)
    rm -rf "$WORK/data"
    "$SHUAN" demo --data-dir "$WORK/data" --listen 127.0.0.1:$PORT ${1:+--config "$1"} \
        > "$WORK/server.log" 2>&1 &
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break
        sleep 0.2
    done
    # The demo's scans run in the background; wait for them so they do not share the cores.
    sleep 8
}

token() { # $1: username → an API token
    local jar="$WORK/jar-$1" csrf
    rm -f "$jar"
    curl -s -c "$jar" -b "$jar" "http://127.0.0.1:$PORT/login" > /dev/null
    csrf=$(awk '$6 == "shuan_login_csrf" {print $7}' "$jar")
    curl -s -c "$jar" -b "$jar" -X POST \
        -d "username=$1&password=Shuan-demo-2026&csrf=$csrf" "http://127.0.0.1:$PORT/login" > /dev/null
    csrf=$(curl -s -b "$jar" "http://127.0.0.1:$PORT/api/v1/me" | sed 's/.*"csrf_token":"\([^"]*\)".*/\1/')
    curl -s -b "$jar" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
        -d '{"name":"bench"}' "http://127.0.0.1:$PORT/api/v1/tokens" | sed 's/.*"token":"\([^"]*\)".*/\1/'
}

run() { # $1: label, $2: token (or empty), $3: path
    echo "== $1: GET $3"
    wrk -t2 -c16 -d"${SECONDS_EACH}s" --latency ${2:+-H "Authorization: Bearer $2"} \
        "http://127.0.0.1:$PORT$3" | grep -E 'Requests/sec|Non-2xx|requests in|50%|99%'
}

cat > "$WORK/unlimited.yaml" <<'EOF'
api_rate: {burst: 100000000, per_minute: 100000000}
EOF

start "$WORK/unlimited.yaml"
officer=$(token officer_a)
vendor=$(token vendor_a)
run "the HTTP stack's ceiling on this machine now (no token)" "" /healthz
run "limit out of the way, officer" "$officer" /api/v1/sources
run "limit out of the way, officer" "$officer" /api/v1/tables
run "limit out of the way, vendor (grants read per request)" "$vendor" /api/v1/tables
kill %1; wait %1 2>/dev/null || true

start ""
officer=$(token officer_a)
run "default limit, one token" "$officer" /api/v1/sources
