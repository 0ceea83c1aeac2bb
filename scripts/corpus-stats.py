#!/usr/bin/env python3
"""Prints the size distribution of the manifests under each DIR (*.yaml, *.yml, *.json, as
pullcheck walks them): files, total, mean, median, p90, p99, max. docs/performance.md quotes no
such figure by hand: the corpora change (../shared/corpus grows, gen_corpus is tuned), so run
this on the trees you measure.

    scripts/corpus-stats.py ../shared/corpus target/bench/corpus-20000-seed1
"""
import os
import sys


def sizes(root):
    out = []
    for d, dirs, files in os.walk(root):
        # pullcheck skips hidden directories while walking.
        dirs[:] = sorted(x for x in dirs if not x.startswith("."))
        for f in files:
            if f.endswith((".yaml", ".yml", ".json")):
                out.append(os.path.getsize(os.path.join(d, f)))
    return sorted(out)


def pct(values, p):
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def kb(n):
    return f"{n / 1e3:.1f} KB"


def main(dirs):
    if not dirs:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for root in dirs:
        s = sizes(root)
        if not s:
            print(f"{root}: no .yaml, .yml or .json files")
            continue
        total = sum(s)
        print(
            f"{root}: {len(s)} files, {total / 1e6:.1f} MB; mean {kb(total / len(s))}, "
            f"median {kb(pct(s, 50))}, p90 {kb(pct(s, 90))}, p99 {kb(pct(s, 99))}, "
            f"max {kb(s[-1])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
