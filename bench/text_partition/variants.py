"""Switch off one part of the text scanner (crates/classify/src/text.rs) for
bench/text_partition.sh. Each edit names the exact source it replaces and fails loudly when
the scanner has changed under it, so the partition never measures a silently different cut.

Usage: python3 variants.py TEXT_RS PARTS   (PARTS: letters of the parts to switch off)
"""
import sys

# part: (what it switches off, source, replacement)
PARTS = {
    "t": (
        "token classification: validators and context words",
        "    let t = &line.as_bytes()[s..e];\n    let cue = |cue: Cue| cues.before(line, s, 12, cue);",
        "    if std::hint::black_box(true) {\n        return;\n    }\n"
        "    let t = &line.as_bytes()[s..e];\n    let cue = |cue: Cue| cues.before(line, s, 12, cue);",
    ),
    "l": (
        "Han lexicon: table entries, lexicon words, Han context words",
        "                if let Some(entry) = lex.entry(b, i) {",
        "                if let Some(entry) = lex.entry(b, i).filter(|_| std::hint::black_box(false)) {",
    ),
    "f": (
        "Han finish: names, organisations, addresses, quoted names",
        "    if han.non_ascii {\n        han.finish(line, han_spans);",
        "    if han.non_ascii && std::hint::black_box(false) {\n        han.finish(line, han_spans);",
    ),
    "r": (
        "resolving: overlaps, character offsets, findings",
        "        resolve(line, first_line + i as u64, &mut scratch.spans, out);",
        "        if std::hint::black_box(false) {\n"
        "            resolve(line, first_line + i as u64, &mut scratch.spans, out);\n"
        "        }",
    ),
}


def main():
    path, parts = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for part in parts:
        _, old, new = PARTS[part]
        if text.count(old) != 1:
            sys.exit(f"variants.py: the source for part {part!r} is not in {path} exactly once")
        text = text.replace(old, new)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
