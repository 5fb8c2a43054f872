#!/usr/bin/env python3
"""Static masking: Presidio's AnonymizerEngine against `shuan mask` on the same CSV.

Input: crates/cli/tests/corpus/tables/t029.csv with its data rows repeated to --mb megabytes
(10^6 bytes), as in bench/mask_throughput.sh. The five columns that script masks (ipdz, yhkh,
xm, gender, 固定电话) are masked cell by cell with Presidio's "mask" operator; the other four
are copied. No analyzer runs: the columns are known, as in Shu'an's policy-by-column mode, so
each non-empty cell gets one RecognizerResult spanning the whole cell with the column's
entity type. Empty cells are copied unchanged (Shu'an's operators skip blank values too).
Reading and writing use the csv module.

Presidio's mask hides one run of `chars_to_mask` characters from the start or the end; it
cannot keep both ends as Shu'an's partial masks do, so the parameters below resemble them:

  column    entity        Shu'an (policy)                  Presidio mask
  ipdz      IP_ADDRESS    keep 1/4 of the digits each end  last half of the characters
  yhkh      CREDIT_CARD   keep first 6 and last 4          all but the first 6
  xm        PERSON        keep the surname (1 char)        all but the first character
  gender    GENDER        redact to "*"                    every character
  固定电话  PHONE_NUMBER  keep first 3 and last 2          all but the first 3

chars_to_mask depends on the cell's length, so one OperatorConfig per (column, length) is
built once and cached; the engine is created once.

Timing covers reading, masking and writing (wall, and CPU via time.process_time). With
--shuan BINARY the same file is then masked by `shuan mask` with the equivalent policy, run
--runs times under /usr/bin/time (user + sys CPU seconds), and the per-core ratio is printed.

Usage: /tmp/pvenv/bin/python bench/presidio_anonymizer.py [--mb 5] [--shuan target/release/shuan]
"""

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This file's name is the package's: keep its directory off the import path.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
from presidio_anonymizer import AnonymizerEngine  # noqa: E402
from presidio_anonymizer.entities import OperatorConfig, RecognizerResult  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "crates/cli/tests/corpus/tables/t029.csv"

# column -> (entity type, chars_to_mask(length), from_end)
COLUMNS = {
    "ipdz": ("IP_ADDRESS", lambda n: n // 2, True),
    "yhkh": ("CREDIT_CARD", lambda n: max(n - 6, 0), True),
    "xm": ("PERSON", lambda n: max(n - 1, 0), True),
    "gender": ("GENDER", lambda n: n, True),
    "固定电话": ("PHONE_NUMBER", lambda n: max(n - 3, 0), True),
}

SHUAN_POLICY = """version: 1
columns:
  ipdz: {operator: partial_mask}
  yhkh: {operator: partial_mask}
  xm: {operator: partial_mask}
  gender: {operator: redact, replacement: "*"}
  固定电话: {operator: partial_mask}
"""


def build_input(path: Path, mb: float) -> int:
    target = int(mb * 1000 * 1000)
    lines = TABLE.read_bytes().splitlines(keepends=True)
    header, rows = lines[0], b"".join(lines[1:])
    with open(path, "wb") as out:
        out.write(header)
        size = len(header)
        while size < target:
            out.write(rows)
            size += len(rows)
    return path.stat().st_size


def presidio_mask(src: Path, dst: Path) -> tuple[int, int]:
    engine = AnonymizerEngine()
    configs: dict[tuple[int, int], dict] = {}
    rows = cells = 0
    with open(src, newline="", encoding="utf-8") as fin, open(
        dst, "w", newline="", encoding="utf-8"
    ) as fout:
        reader = csv.reader(fin)
        writer = csv.writer(fout, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        masked = [
            (index, COLUMNS[name]) for index, name in enumerate(header) if name in COLUMNS
        ]
        if len(masked) != len(COLUMNS):
            sys.exit(f"columns missing from {src}: header {header}")
        for row in reader:
            for index, (entity, count, from_end) in masked:
                value = row[index]
                if not value.strip():
                    continue
                n = len(value)
                operators = configs.get((index, n))
                if operators is None:
                    params = {
                        "masking_char": "*",
                        "chars_to_mask": count(n),
                        "from_end": from_end,
                    }
                    operators = {entity: OperatorConfig("mask", params)}
                    configs[(index, n)] = operators
                result = engine.anonymize(
                    text=value,
                    analyzer_results=[RecognizerResult(entity, 0, n, 1.0)],
                    operators=operators,
                )
                row[index] = result.text
                cells += 1
            writer.writerow(row)
            rows += 1
    return rows, cells


def shuan_mask(binary: str, src: Path, work: Path) -> tuple[float, float]:
    policy = work / "partial.yaml"
    policy.write_text(SHUAN_POLICY, encoding="utf-8")
    key = work / "mask.key"
    if not key.exists():
        subprocess.run([binary, "keygen", str(key)], check=True, capture_output=True)
    usage = work / "time.txt"
    start = time.perf_counter()
    subprocess.run(
        ["/usr/bin/time", "-f", "%U %S", "-o", str(usage), binary, "mask", str(src),
         str(work / "shuan_out.csv"), "-q", "--policy", str(policy), "--key-file", str(key)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    user, system = usage.read_text().split()[-2:]
    return wall, float(user) + float(system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="input size in MB (10^6 bytes)")
    parser.add_argument("--shuan", help="path to the shuan release binary (with `mask`)")
    parser.add_argument("--runs", type=int, default=5, help="shuan runs (median reported)")
    parser.add_argument("--keep", help="directory to keep the input and both outputs in")
    args = parser.parse_args()

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="presidio_anon_"))
    work.mkdir(parents=True, exist_ok=True)
    src = work / "big.csv"
    size = build_input(src, args.mb)
    src.read_bytes()  # warm the page cache
    mb = size / 1e6
    import importlib.metadata as md

    print(f"input: {TABLE.relative_to(ROOT)} repeated to {size} bytes; "
          f"Python {sys.version.split()[0]}, presidio-anonymizer "
          f"{md.version('presidio-anonymizer')}; {os.cpu_count()} cores; "
          f"load {' '.join(open('/proc/loadavg').read().split()[:3])}")

    wall0, cpu0 = time.perf_counter(), time.process_time()
    rows, cells = presidio_mask(src, work / "presidio_out.csv")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    p_core = mb / cpu
    print(f"presidio-anonymizer mask   {rows} rows, {cells} cells  wall {wall:7.2f} s "
          f"{mb / wall:7.2f} MB/s   cpu {cpu:7.2f} s {p_core:7.2f} MB/s per core "
          f"({cpu / cells * 1e6:.1f} µs CPU per masked cell)")

    if args.shuan:
        runs = [shuan_mask(args.shuan, src, work) for _ in range(args.runs)]
        walls = [w for w, _ in runs]
        cpus = [c for _, c in runs]
        s_cpu = statistics.median(cpus)
        s_core = mb / s_cpu if s_cpu > 0 else float("inf")
        print(f"shuan mask (x{args.runs}, median) wall {statistics.median(walls):7.3f} s "
              f"{mb / statistics.median(walls):7.1f} MB/s   cpu {s_cpu:7.3f} s "
              f"{s_core:7.1f} MB/s per core   (cpu runs: {', '.join(f'{c:.2f}' for c in cpus)})")
        print(f"ratio (MB per CPU-second, shuan / presidio): {s_core / p_core:.0f}x")
    if not args.keep:
        for path in work.iterdir():
            path.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
