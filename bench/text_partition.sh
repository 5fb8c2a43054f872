#!/usr/bin/env bash
# Where text scanning's time goes: the `scan_text` example (the engine alone, scan time only)
# built with one part of the scanner switched off at a time, against the whole scanner and
# against the bare byte walk (bench/text_partition/walk_floor.rs), on the corpus log repeated
# to >= MB megabytes, ROUNDS interleaved rounds. Prints the fastest and the median scan time
# of each build, and, when valgrind is installed, its instructions on the log x 10.
# Usage: bench/text_partition.sh [MB] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-200}
rounds=${2:-5}
work=$(mktemp -d)
tree="$work/tree"
trap 'git worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
log=crates/cli/tests/corpus/text/app.log
big="$work/big.log"
while [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" -lt $((mb * 1000 * 1000)) ]; do cat "$log" >> "$big"; done
for _ in $(seq 10); do cat "$log"; done > "$work/log10"

rustc --edition 2024 -C opt-level=3 bench/text_partition/walk_floor.rs -o "$work/scan_floor"
git worktree add --detach -q "$tree" HEAD
target="${CARGO_TARGET_DIR:-$PWD/target}"
# "-": the whole scanner; then each part off alone; then all four off.
variants="- t l f r tlfr"
for v in $variants; do
    git -C "$tree" checkout -q -- crates/classify/src/text.rs
    [ "$v" = - ] || python3 bench/text_partition/variants.py "$tree/crates/classify/src/text.rs" "$v"
    (cd "$tree" && cargo build -q --release -p shuan-classify --example scan_text --target-dir "$target")
    cp "$target/release/examples/scan_text" "$work/scan_$v"
done

seconds() { "$work/scan_$1" "$2" 2>&1 >/dev/null | awk '{print $3}'; }
cat "$big" > /dev/null # warm the page cache
for _ in $(seq "$rounds"); do
    for v in $variants floor; do echo "$v $(seconds "$v" "$big")"; done
done > "$work/times"

name() {
    case $1 in
        -) echo "whole scanner" ;;
        t) echo "without token classification" ;;
        l) echo "without the Han lexicon" ;;
        f) echo "without the Han finish" ;;
        r) echo "without resolving" ;;
        tlfr) echo "without all four (the walk)" ;;
        floor) echo "bare byte walk (walk_floor.rs)" ;;
    esac
}
echo "input: $log repeated to $(stat -c %s "$big") bytes, $rounds rounds"
for v in $variants floor; do
    read -r fastest median < <(awk -v v="$v" '$1 == v {print $2}' "$work/times" | sort -n |
        awk '{t[NR] = $1} END {print t[1], t[int((NR + 1) / 2)]}')
    line="$(printf '%-34s fastest %6.3f s  median %6.3f s' "$(name "$v")" "$fastest" "$median")"
    if command -v valgrind > /dev/null && [ "$v" != floor ]; then
        ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            --toggle-collect='shuan_classify::text::scan' "$work/scan_$v" "$work/log10" 2>&1 |
            awk '/refs:/ {gsub(",", "", $4); print $4}')
        line="$line  $(echo "scale=1; $ir / 1000000" | bc -l) M instructions on the log x 10"
    fi
    echo "$line"
done
