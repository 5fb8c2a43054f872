#!/usr/bin/env bash
# Static masking throughput: corpus table t029.csv (9 columns, 5 of them personal: IP, bank
# card, name, gender, landline) repeated to >= MB megabytes, masked by `shuan mask` (release
# build, one thread: the pipeline reads, masks and writes in one thread). Two policies:
# partial masking (mask characters, the common case) and FPE over SM4 for the IP, card and
# landline (validity kept, reversible) with partial masks for name and gender.
# Prints wall-clock MB/s and MB per CPU-second (the per-core figure, robust to a shared
# machine). Usage: bench/mask_throughput.sh [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-120}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
table=crates/cli/tests/corpus/tables/t029.csv
big="$work/big.csv"
head -1 "$table" > "$big"
tail -n +2 "$table" > "$work/rows.csv"
while [ "$(stat -c %s "$big")" -lt $((mb * 1000 * 1000)) ]; do cat "$work/rows.csv" >> "$big"; done
size=$(stat -c %s "$big")
rows=$(($(wc -l < "$big") - 1))
cargo build --release -q -p shuan
shuan="${CARGO_TARGET_DIR:-target}/release/shuan"
"$shuan" keygen "$work/mask.key" 2> /dev/null

cat > "$work/partial.yaml" <<'YAML'
version: 1
columns:
  ipdz: {operator: partial_mask}
  yhkh: {operator: partial_mask}
  xm: {operator: partial_mask}
  gender: {operator: redact, replacement: "*"}
  固定电话: {operator: partial_mask}
YAML
cat > "$work/fpe.yaml" <<'YAML'
version: 1
entities:
  ipv4: {operator: fpe}
  bank_card: {operator: fpe}
  cn_landline: {operator: fpe}
  person_name: {operator: partial_mask}
  gender: {operator: partial_mask}
YAML

cat "$big" > /dev/null # warm the page cache
run() {
  local name=$1 policy=$2 start end usage
  start=$(date +%s.%N)
  usage=$( { /usr/bin/env time -f "%U %S" "$shuan" mask "$big" "$work/out.csv" -q \
    --policy "$policy" --key-file "$work/mask.key" > /dev/null; } 2>&1 | tail -1)
  end=$(date +%s.%N)
  local wall cpu
  wall=$(echo "$end - $start" | bc -l)
  cpu=$(echo "$usage" | awk '{print $1 + $2}')
  printf '%-34s wall %6.2f s  %6.1f MB/s   cpu %6.2f s  %6.1f MB/s per core\n' "$name" \
    "$wall" "$(echo "$size / 1000000 / $wall" | bc -l)" \
    "$cpu" "$(echo "$size / 1000000 / $cpu" | bc -l)"
}
echo "input: $table repeated to $size bytes, $rows rows; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
run "partial masking, 5 columns" "$work/partial.yaml"
run "FPE (SM4) x3 + partial x2" "$work/fpe.yaml"
