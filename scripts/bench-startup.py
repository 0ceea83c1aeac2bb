#!/usr/bin/env python3
"""bench-startup.py BIN... FILE [N] - start-up time of pullcheck binaries, compared in one run.

Runs each binary N times (default 300) as `BIN --version` and `BIN FILE --format json`,
interleaved (the order flips every round, so drifting load hits all alike), and prints the
median, 10th and 90th percentile in milliseconds. Used for docs/design.md ("Registry client"):
an offline run must not get slower when a dependency is added.
"""
import statistics
import subprocess
import sys
import time

args = sys.argv[1:]
n = 300
if args and args[-1].isdigit():
    n = int(args.pop())
if len(args) < 2:
    sys.exit(__doc__)
bins, f = args[:-1], args[-1]
cases = {"--version": ["--version"], "lint": [f, "--format", "json"]}
res = {(b, c): [] for b in bins for c in cases}
for i in range(n):
    for c, extra in cases.items():
        for b in bins if i % 2 == 0 else bins[::-1]:
            t = time.perf_counter()
            subprocess.run([b] + extra, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            res[(b, c)].append((time.perf_counter() - t) * 1000)
for (b, c), v in res.items():
    v.sort()
    print(f"{b:48} {c:10} median {statistics.median(v):.2f} ms"
          f"  p10 {v[len(v) // 10]:.2f}  p90 {v[9 * len(v) // 10]:.2f}")
