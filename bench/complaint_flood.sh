#!/usr/bin/env bash
# The public complaint form under a flood (issue 9): `shuan demo` on the embedded SQLite,
# `wrk` from second processes.
#   1. baseline: the latency of a signed-in page (/inbox) and of the public form's page;
#   2. the same measurements while another process floods POST /complaints/new with valid
#      double-submit tokens from one address;
#   3. how many complaints the flood got stored (the limiter's bound: a burst of 5, then 2 a
#      minute per address).
# Usage: bench/complaint_flood.sh [path/to/release/shuan] [seconds] [unlimited]
# With `unlimited`, the complaint limit is raised out of the way: what the flood would cost
# without it.
set -euo pipefail
SHUAN=${1:-target/release/shuan}
SECONDS_EACH=${2:-20}
PORT=18439
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
URL=http://127.0.0.1:$PORT
CONFIG=()
if [ "${3:-}" = unlimited ]; then
    echo 'complaint_rate_per_address: {burst: 100000000, per_minute: 100000000}' > "$WORK/config.yaml"
    CONFIG=(--config "$WORK/config.yaml")
fi

"$SHUAN" demo --data-dir "$WORK/data" --listen 127.0.0.1:$PORT "${CONFIG[@]}" > "$WORK/server.log" 2>&1 &
for _ in $(seq 100); do
    curl -sf "$URL/healthz" > /dev/null && break
    sleep 0.2
done
# The demo's scans run in the background; wait for them so they do not share the cores.
sleep 8

session() { # $1: username → "cookie header value"
    local jar="$WORK/jar-$1" csrf
    curl -s -c "$jar" -b "$jar" "$URL/login" > /dev/null
    csrf=$(awk '$6 == "shuan_login_csrf" {print $7}' "$jar")
    curl -s -c "$jar" -b "$jar" -X POST \
        -d "username=$1&password=Shuan-demo-2026&csrf=$csrf" "$URL/login" > /dev/null
    echo "shuan_session=$(awk '$6 == "shuan_session" {print $7}' "$jar")"
}
officer=$(session officer_a)
admin=$(session admin)

# A valid double-submit pair for the flood.
curl -s -c "$WORK/public" "$URL/complaints/new" > /dev/null
token=$(awk '$6 == "shuan_login_csrf" {print $7}' "$WORK/public")
cat > "$WORK/flood.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "shuan_login_csrf=$token"
wrk.body = "csrf=$token&operator_name=%E6%B4%A5%E6%B8%AF%E6%95%B0%E6%8D%AE%E7%A7%91%E6%8A%80%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8&category=other&content=flood"
EOF

probe() { # $1: label; $2: cookie or empty; $3: path
    echo "== $1: GET $3"
    wrk -t1 -c4 -d"${SECONDS_EACH}s" --latency ${2:+-H "Cookie: $2"} "$URL$3" \
        | grep -E 'Requests/sec|Non-2xx|requests in|50%|99%'
}

probe "baseline, signed-in page" "$officer" /inbox
probe "baseline, public form page" "" /complaints/new

echo "== flood: POST /complaints/new, 32 connections, $((SECONDS_EACH + 6)) s"
wrk -t1 -c32 -d"$((SECONDS_EACH + 6))s" --latency -s "$WORK/flood.lua" "$URL/complaints/new" \
    > "$WORK/flood.txt" &
sleep 3
probe "during the flood, signed-in page" "$officer" /inbox
probe "during the flood, public form page" "" /complaints/new
wait %2
grep -E 'Requests/sec|Non-2xx|requests in|50%|99%' "$WORK/flood.txt"

# The list shows at most 1000; the audit trail counts every submission.
stored=$(curl -s -H "Cookie: $admin" "$URL/api/v1/complaints" | grep -o '"id":' | wc -l)
submitted=$(cat "$WORK/data/audit/entries"* | grep -c complaint_submit || true)
echo "== complaints stored: $stored listed (max 1000), $submitted complaint_submit audit entries"
