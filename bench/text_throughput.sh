#!/usr/bin/env bash
# Text scanning throughput: the corpus log repeated to >= 200 MB, scanned by `shuan scan`
# (release build) on 1 and on all cores, against `grep -cE '1[3-9][0-9]{9}'` on the same file
# in the same run. Prints MB/s and the ratio. Usage: bench/text_throughput.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log=crates/cli/tests/corpus/text/app.log
big="$work/big.log"
while [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" -lt $((mb * 1000 * 1000)) ]; do cat "$log" >> "$big"; done
size=$(stat -c %s "$big")
cargo build --release -q -p shuan
shuan="${CARGO_TARGET_DIR:-target}/release/shuan"

# Output goes to a file, not /dev/null: GNU grep stops at the first match when it sees
# its output is /dev/null, which would time almost nothing.
seconds() { local s; s=$(date +%s.%N); "$@" > "$work/out"; echo "$(date +%s.%N) - $s" | bc -l; }
cat "$big" > /dev/null # warm the page cache
g=$(seconds grep -cE '1[3-9][0-9]{9}' "$big")
one=$(seconds env RAYON_NUM_THREADS=1 "$shuan" scan "$big" --format csv -q)
all=$(seconds "$shuan" scan "$big" --format csv -q)
mbps() { echo "scale=1; $size / 1000000 / $1" | bc -l; }
echo "input: $log repeated to $size bytes; $(nproc) cores"
echo "grep -cE '1[3-9][0-9]{9}': $(mbps "$g") MB/s"
echo "shuan scan, 1 thread:      $(mbps "$one") MB/s (ratio to grep $(echo "scale=2; $g / $one" | bc -l))"
echo "shuan scan, all cores:     $(mbps "$all") MB/s (ratio to grep $(echo "scale=2; $g / $all" | bc -l))"
