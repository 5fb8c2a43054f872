#!/usr/bin/env bash
# Column F1 of `shuan scan` on the labelled corpus loaded into databases: SQLite always, and
# PostgreSQL / MariaDB when SHUAN_TEST_POSTGRES / SHUAN_TEST_MYSQL hold URLs. Fails when a
# database's column micro F1 is under 0.97. Run by .ci/run; needs python3 and the scorer at
# ../shared/eval/score.py (or SHUAN_SCORER).
set -euo pipefail
cd "$(dirname "$0")/.."
scorer=${SHUAN_SCORER:-../shared/eval/score.py}
corpus=crates/cli/tests/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build -q -p shuan
cargo build -q -p shuan-source --example load_corpus
load=target/debug/examples/load_corpus
shuan=target/debug/shuan

check() { # name url scan-args...
  local name=$1 url=$2; shift 2
  "$load" "$corpus/tables" "$url" "$corpus/labels.json" "$work/labels-db.json" > /dev/null
  "$shuan" scan "$url" "$@" --format json -q > "$work/$name.json"
  local f1
  f1=$(python3 "$scorer" "$work/labels-db.json" "$work/$name.json" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["columns"]["f1"])')
  echo "$name: column micro F1 $f1"
  python3 -c "import sys; sys.exit(0 if $f1 >= 0.97 else 1)" || { echo "$name: under the 0.97 floor"; exit 1; }
}

check sqlite "sqlite://$work/corpus.db"
if [ -n "${SHUAN_TEST_POSTGRES:-}" ]; then
  export SHUAN_CORPUS_SCHEMA="shuan_corpus_$$"
  check postgres "$SHUAN_TEST_POSTGRES" --include "$SHUAN_CORPUS_SCHEMA.*"
  PGOPTIONS=--client-min-messages=warning psql "$SHUAN_TEST_POSTGRES" -qc "DROP SCHEMA $SHUAN_CORPUS_SCHEMA CASCADE" > /dev/null
else
  echo "skipped: postgres (SHUAN_TEST_POSTGRES not set)"
fi
if [ -n "${SHUAN_TEST_MYSQL:-}" ]; then
  db="shuan_corpus_$$"
  mariadb -h 127.0.0.1 -u root -e "CREATE DATABASE $db"
  check mysql "${SHUAN_TEST_MYSQL%/*}/$db"
  mariadb -h 127.0.0.1 -u root -e "DROP DATABASE $db"
else
  echo "skipped: mysql (SHUAN_TEST_MYSQL not set)"
fi
