#!/usr/bin/env python3
"""Shu'an side by side with Microsoft Presidio on the corpus log (issue 2, last target).

Python packages (not kept between sessions; install them first, in a venv if you like):

    python3 -m venv /tmp/pvenv && /tmp/pvenv/bin/pip install presidio-analyzer
    # pulls spacy, phonenumbers, tldextract, regex; tested with presidio-analyzer 2.2.366,
    # spacy 3.8.18, phonenumbers 9.0.43, Python 3.11.7

Usage (from the repository root, after `cargo build --release -p shuan`):

    /tmp/pvenv/bin/python bench/presidio_compare.py [--lines N] [--big-mb M] [--json OUT]

Offline configuration of Presidio (no model is downloaded):
  * The official spaCy English models are not on PyPI (only third-party re-uploads are, which
    we do not use), so the NLP engine is Presidio's SpacyNlpEngine wrapping `spacy.blank("en")`:
    a tokenizer only, no tagger, no lemmatizer, no NER. Presidio's SpacyRecognizer is still in
    the registry but finds nothing, so PERSON / LOCATION / ORGANIZATION / NRP / DATE_TIME from
    NER are absent. Context words in the text cannot lift scores (no lemmas).
  * Recognizer registry: Presidio's default (conf/default_recognizers.yaml) for language "en",
    default score threshold (0: every result is kept).
  * tldextract (used by EmailRecognizer) is told to use its bundled public-suffix snapshot
    (`suffix_list_urls=()`, its documented offline mode) instead of fetching the list.
  * Two configurations are run on the same lines:
      default  - as shipped: PhoneRecognizer regions US, GB, DE, FR, IL, IN, CA, BR;
      +CN      - the same registry with PhoneRecognizer(supported_regions=DEFAULT + ("CN",)),
                 the documented way to let Presidio see Chinese phone numbers.

Scoring: Presidio types are mapped to ours (EMAIL_ADDRESS->email, CREDIT_CARD->bank_card,
IP_ADDRESS->ipv4/ipv6 by shape, PHONE_NUMBER->cn_mobile if its digits (less +86) are
1[3-9]xxxxxxxxx else cn_landline, MAC_ADDRESS->mac_address); both tools are scored on that
shared subset against labels.json text.spans, exactly and relaxed (same line and entity,
overlap >= half of the longer span, as ../shared/eval/score.py --relaxed). For the entities only
Shu'an knows (resident IDs, USCC, plates, names, ...), we count labelled spans overlapped by any
Presidio result of any type.
"""
import argparse
import collections
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOG = os.path.join(ROOT, "crates/cli/tests/corpus/text/app.log")
LABELS = os.path.join(ROOT, "crates/cli/tests/corpus/labels.json")
SHUAN = os.path.join(ROOT, "target/release/shuan")

SHARED = ["email", "bank_card", "ipv4", "ipv6", "cn_mobile", "cn_landline", "mac_address"]
MOBILE = re.compile(r"1[3-9]\d{9}")


def map_presidio(etype, span_text):
    if etype == "EMAIL_ADDRESS":
        return "email"
    if etype == "CREDIT_CARD":
        return "bank_card"
    if etype == "MAC_ADDRESS":
        return "mac_address"
    if etype == "IP_ADDRESS":
        return "ipv6" if ":" in span_text else "ipv4"
    if etype == "PHONE_NUMBER":
        d = re.sub(r"\D", "", span_text)
        if d.startswith("86") and len(d) == 13:
            d = d[2:]
        return "cn_mobile" if MOBILE.fullmatch(d) else "cn_landline"
    return None


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(want, got, relaxed):
    """want, got: sets of (line, start, end, entity). Returns entity -> [tp, fp, fn]."""
    d = collections.defaultdict(lambda: [0, 0, 0])
    if relaxed:
        matched_w, matched_g = set(), set()
        by_line = collections.defaultdict(list)
        for g in got:
            by_line[(g[0], g[3])].append(g)
        for w in want:
            for g in by_line[(w[0], w[3])]:
                if g in matched_g:
                    continue
                ov = min(w[2], g[2]) - max(w[1], g[1])
                if ov * 2 >= max(w[2] - w[1], g[2] - g[1]):
                    matched_w.add(w)
                    matched_g.add(g)
                    break
        hits, extra, missed = matched_w, got - matched_g, want - matched_w
    else:
        hits, extra, missed = want & got, got - want, want - got
    for s in hits:
        d[s[3]][0] += 1
    for s in extra:
        d[s[3]][1] += 1
    for s in missed:
        d[s[3]][2] += 1
    return d


def micro(d):
    t = [sum(v[i] for v in d.values()) for i in range(3)]
    return prf(*t)


def build_presidio(with_cn):
    import logging

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    import spacy
    import tldextract

    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=())  # offline: bundled snapshot
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_analyzer.predefined_recognizers import PhoneRecognizer

    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank:en"}])
    nlp_engine.nlp = {"en": spacy.blank("en")}  # loaded: AnalyzerEngine will not call load()
    engine = AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])
    if with_cn:
        engine.registry.remove_recognizer("PhoneRecognizer")
        regions = tuple(PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS) + ("CN",)
        engine.registry.add_recognizer(PhoneRecognizer(supported_regions=regions))
    return engine


def run_presidio(engine, lines):
    engine.analyze("warm up: a@b.com 10.0.0.1 +1 202 555 0100", language="en")
    results = []
    t0, c0 = time.perf_counter(), time.process_time()
    for i, text in enumerate(lines, 1):
        for r in engine.analyze(text, language="en"):
            results.append((i, r.start, r.end, r.entity_type, r.score))
    return results, time.perf_counter() - t0, time.process_time() - c0


def child_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def best_time(cmd, env, runs):
    """Best wall time and best CPU time (user+sys of the child) over `runs` runs."""
    best = cpu = None
    out = None
    for _ in range(runs):
        t0, c0 = time.perf_counter(), child_cpu()
        p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, check=True)
        dt, dc = time.perf_counter() - t0, child_cpu() - c0
        best = dt if best is None else min(best, dt)
        cpu = dc if cpu is None else min(cpu, dc)
        out = p.stdout
    return best, out, cpu


def shuan_findings(report, text_file):
    got = set()
    for f in report.get("findings", []):
        if os.path.basename(str(f.get("source", ""))) == text_file:
            got.add((int(f["line"]), int(f["start"]), int(f["end"]), f["entity"]))
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=0, help="Presidio on the first N lines only (0: all)")
    ap.add_argument("--big-mb", type=int, default=50, help="size of the repeated log for Shu'an steady-state MB/s")
    ap.add_argument("--runs", type=int, default=3, help="Shu'an runs per timing (best is kept)")
    ap.add_argument("--json", help="write all numbers here as JSON")
    a = ap.parse_args()

    labels = json.load(open(LABELS, encoding="utf-8"))
    text_file = labels["text"]["file"] if "/" not in labels["text"]["file"] else os.path.basename(labels["text"]["file"])
    raw = open(LOG, encoding="utf-8").read()
    all_lines = raw.split("\n")
    if all_lines and all_lines[-1] == "":
        all_lines.pop()
    n = a.lines or len(all_lines)
    lines = all_lines[:n]
    p_bytes = sum(len(s.encode("utf-8")) + 1 for s in lines)
    file_bytes = len(raw.encode("utf-8"))

    want_all = {(s["line"], s["start"], s["end"], s["entity"]) for s in labels["text"]["spans"]}
    want_all = {w for w in want_all if w[0] <= n}  # scored on the lines Presidio saw
    want_shared = {w for w in want_all if w[3] in SHARED}
    want_cn = {w for w in want_all if w[3] not in SHARED}

    out = {"lines": n, "presidio_bytes": p_bytes, "file_bytes": file_bytes, "presidio": {}, "shuan": {}}

    # ---- Presidio
    for name, with_cn in (("default", False), ("+CN", True)):
        engine = build_presidio(with_cn)
        res, secs, cpu = run_presidio(engine, lines)
        got = set()
        unmapped = collections.Counter()
        for (ln, s, e, t, _sc) in res:
            m = map_presidio(t, lines[ln - 1][s:e])
            if m:
                got.add((ln, s, e, m))
            else:
                unmapped[t] += 1
        # Chinese-only entities: labelled spans overlapped by any Presidio result
        by_line = collections.defaultdict(list)
        for r in res:
            by_line[r[0]].append(r)
        cn_hits = collections.defaultdict(collections.Counter)
        cn_total = collections.Counter(w[3] for w in want_cn)
        for w in want_cn:
            types = {r[3] for r in by_line[w[0]] if min(w[2], r[2]) > max(w[1], r[1])}
            if types:
                cn_hits[w[3]]["_any"] += 1
                for t in types:
                    cn_hits[w[3]][t] += 1
        # results of any type that overlap no labelled span at all
        stray = collections.Counter()
        lab_by_line = collections.defaultdict(list)
        for w in want_all:
            lab_by_line[w[0]].append(w)
        for r in res:
            if not any(min(w[2], r[2]) > max(w[1], r[1]) for w in lab_by_line[r[0]]):
                stray[r[3]] += 1
        out["presidio"][name] = {
            "seconds": secs,
            "cpu_seconds": cpu,
            "mbps": p_bytes / 1e6 / secs,
            "cpu_mbps": p_bytes / 1e6 / cpu,
            "results": len(res),
            "exact": dict(score(want_shared, got, False)),
            "relaxed": dict(score(want_shared, got, True)),
            "unmapped_types": dict(unmapped),
            "cn_total": dict(cn_total),
            "cn_hits": {k: dict(v) for k, v in cn_hits.items()},
            "stray_by_type": dict(stray),
        }

    # ---- Shu'an on the same file
    if not os.path.exists(SHUAN):
        sys.exit("build it first: cargo build --release -p shuan")
    env1 = dict(os.environ, RAYON_NUM_THREADS="1")
    env2 = dict(os.environ)
    env2.pop("RAYON_NUM_THREADS", None)
    cmd = [SHUAN, "scan", LOG, "--format", "json", "-q"]
    t1, rep, c1 = best_time(cmd, env1, a.runs)
    t2, _, _ = best_time(cmd, env2, a.runs)
    got_all = {g for g in shuan_findings(json.loads(rep), text_file) if g[0] <= n}
    got_shared = {g for g in got_all if g[3] in SHARED}
    got_cn = {g for g in got_all if g[3] not in SHARED}
    out["shuan"] = {
        "file_seconds_1t": t1,
        "file_seconds_2t": t2,
        "file_mbps_1t": file_bytes / 1e6 / t1,
        "file_mbps_2t": file_bytes / 1e6 / t2,
        "file_cpu_mbps_1t": file_bytes / 1e6 / c1,
        "exact": dict(score(want_shared, got_shared, False)),
        "relaxed": dict(score(want_shared, got_shared, True)),
        "cn_relaxed": dict(score(want_cn, got_cn, True)),
    }
    # steady state: the same log repeated to --big-mb MB (process start and rule loading amortised)
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "app.log")
        with open(big, "w", encoding="utf-8") as fh:
            size = 0
            while size < a.big_mb * 1_000_000:
                fh.write(raw)
                size += file_bytes
        cmdb = [SHUAN, "scan", big, "--format", "json", "-q"]
        b1, _, bc1 = best_time(cmdb, env1, a.runs)
        b2, _, _ = best_time(cmdb, env2, a.runs)
    out["shuan"].update({"big_bytes": size, "big_seconds_1t": b1, "big_seconds_2t": b2,
                         "big_mbps_1t": size / 1e6 / b1,
                         "big_cpu_mbps_1t": size / 1e6 / bc1, "big_mbps_2t": size / 1e6 / b2})

    # ---- print
    pr = out["presidio"]
    sh = out["shuan"]
    print("input: %s, %d of %d lines (%d of %d bytes) for Presidio" % (
        os.path.relpath(LOG, ROOT), n, len(all_lines), p_bytes, file_bytes))
    print()
    print("shared entities, span P R F1; exact spans first, then relaxed")
    hdr = "%-12s %5s | %-23s | %-23s | %-23s" % ("entity", "true", "Presidio default", "Presidio +CN", "Shu'an")
    print(hdr)
    print("-" * len(hdr))

    def cell(d, e, rel):
        tp, fp, fn = d.get(e, [0, 0, 0])
        p, r, f = prf(tp, fp, fn)
        return "%.2f %.2f %.2f" % (p, r, f)

    counts = collections.Counter(w[3] for w in want_shared)
    for e in SHARED + ["micro"]:
        cells = []
        for d in (pr["default"], pr["+CN"], sh):
            if e == "micro":
                cells.append("%.2f %.2f %.2f" % micro(d["exact"]))
            else:
                cells.append(cell(d["exact"], e, False))
        print("%-12s %5s | %-23s | %-23s | %-23s" % (e, counts[e] if e != "micro" else sum(counts.values()), *cells))
    print("relaxed:")
    for e in SHARED + ["micro"]:
        cells = []
        for d in (pr["default"], pr["+CN"], sh):
            if e == "micro":
                cells.append("%.2f %.2f %.2f" % micro(d["relaxed"]))
            else:
                cells.append(cell(d["relaxed"], e, True))
        print("%-12s %5s | %-23s | %-23s | %-23s" % (e, counts[e] if e != "micro" else sum(counts.values()), *cells))
    print()
    print("Chinese-only entities: labelled spans overlapped by any Presidio result (default | +CN), Shu'an relaxed recall")
    cn_total = collections.Counter(w[3] for w in want_cn)
    for e in sorted(cn_total):
        d0 = pr["default"]["cn_hits"].get(e, {})
        d1 = pr["+CN"]["cn_hits"].get(e, {})
        tp, fp, fn = sh["cn_relaxed"].get(e, [0, 0, 0])
        types = ", ".join("%s %d" % (k, v) for k, v in sorted(d1.items()) if k != "_any")
        print("%-17s %5d | %4d | %4d  (%s) | Shu'an R %.3f" % (e, cn_total[e], d0.get("_any", 0), d1.get("_any", 0),
                                                                types or "-", prf(tp, fp, fn)[1]))
    print()
    for name in ("default", "+CN"):
        d = pr[name]
        print("Presidio %-7s results of unmapped types: %s" % (name, dict(sorted(d["unmapped_types"].items()))))
        print("Presidio %-7s results overlapping no labelled span: %s" % (name, dict(sorted(d["stray_by_type"].items()))))
    print()
    print("throughput (MB = 10^6 bytes; wall = elapsed, cpu = bytes per CPU-second, less sensitive to a shared machine)")
    for name in ("default", "+CN"):
        d = pr[name]
        print("Presidio %-7s 1 thread : wall %8.4f MB/s  cpu %8.4f MB/s  (%.1f s wall, %.1f s cpu, %d bytes)" % (
            name, d["mbps"], d["cpu_mbps"], d["seconds"], d["cpu_seconds"], p_bytes))
    print("Shu'an same file  1 thread : wall %8.1f MB/s  cpu %8.1f MB/s  (%.3f s wall incl. process start)" % (
        sh["file_mbps_1t"], sh["file_cpu_mbps_1t"], sh["file_seconds_1t"]))
    print("Shu'an same file  2 cores  : wall %8.1f MB/s  (%.3f s)" % (sh["file_mbps_2t"], sh["file_seconds_2t"]))
    print("Shu'an %d MB      1 thread : wall %8.1f MB/s  cpu %8.1f MB/s" % (
        sh["big_bytes"] // 1_000_000, sh["big_mbps_1t"], sh["big_cpu_mbps_1t"]))
    print("Shu'an %d MB      2 cores  : wall %8.1f MB/s" % (sh["big_bytes"] // 1_000_000, sh["big_mbps_2t"]))
    for name in ("default", "+CN"):
        pm, pc = pr[name]["mbps"], pr[name]["cpu_mbps"]
        print("ratio Shu'an/Presidio %-7s: same file 1t %.0fx (cpu %.0fx), 2c %.0fx; 50 MB 1t %.0fx (cpu %.0fx), 2c %.0fx" % (
            name, sh["file_mbps_1t"] / pm, sh["file_cpu_mbps_1t"] / pc, sh["file_mbps_2t"] / pm,
            sh["big_mbps_1t"] / pm, sh["big_cpu_mbps_1t"] / pc, sh["big_mbps_2t"] / pm))
    if a.json:
        json.dump(out, open(a.json, "w"), indent=1, default=list)


if __name__ == "__main__":
    main()
