#!/usr/bin/env python3
"""Two builds' engine speed, measured alternately in one run (issue 15, BENCHMARKS.md).

usage: bench/compare_builds.py BUILD_A BUILD_B [--rounds 3] [--level-a v3] [--level-b v3]

Runs bench_loftq_matrix (--sizes 2048x2048,4096x4096 --gaussian --no-exact) and bench_quantizer
(1 thread) of each build in turn, A B A B ..., so a shared machine's load falls on both alike, and
prints each figure's median per build with the ratio B / A (speeds: above 1 means B is faster). The
load average is printed before and after. --level-a / --level-b set LOFTQ_CPU_LEVEL for that build
(e.g. the dispatching build forced to v3 against an -march=x86-64-v3 build).
"""
import argparse
import os
import statistics
import subprocess


def run(build, level, args):
    env = dict(os.environ)
    env.pop("LOFTQ_CPU_LEVEL", None)
    if level:
        env["LOFTQ_CPU_LEVEL"] = level
    return subprocess.run([os.path.join(build, "bin", args[0])] + args[1:], env=env, check=True,
                          capture_output=True, text=True).stdout


def figures(build, level, elements):
    """Speeds (higher is better) of one round of both benchmarks, by name."""
    out = {}
    lines = run(build, level, ["bench_loftq_matrix", "--sizes", "2048x2048,4096x4096", "--gaussian", "--no-exact"])
    for line in lines.splitlines():
        cols = line.split()
        if cols and cols[0] in ("2048x2048", "4096x4096"):
            out[f"loftq {cols[0]} (1/s)"] = 1 / float(cols[1])
            out[f"gemm {cols[0]} GFLOP/s"] = float(cols[7])
    for line in run(build, level, ["bench_quantizer", "--elements", str(elements)]).splitlines():
        cols = line.split()
        if cols and cols[0] in ("nf2", "nf4", "uniform4"):
            out[f"quantizer {cols[0]} M/s"] = float(cols[1])
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build_a")
    p.add_argument("build_b")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--level-a")
    p.add_argument("--level-b")
    p.add_argument("--elements", type=int, default=1 << 24)
    a = p.parse_args()
    print("load average before:", open("/proc/loadavg").read().split()[:3])
    for build, level in ((a.build_a, a.level_a), (a.build_b, a.level_b)):
        print(f"{build}: " + " / ".join(run(build, level, ["bench_quantizer", "--elements", "64"]).splitlines()[:2]))
    samples = {"A": [], "B": []}
    for r in range(a.rounds):
        for name, build, level in (("A", a.build_a, a.level_a), ("B", a.build_b, a.level_b)):
            samples[name].append(figures(build, level, a.elements))
            print(f"round {r + 1} {name}: " + ", ".join(f"{k} {v:.4g}" for k, v in samples[name][-1].items()),
                  flush=True)
    print("load average after:", open("/proc/loadavg").read().split()[:3])
    print(f"A = {a.build_a}" + (f" (LOFTQ_CPU_LEVEL={a.level_a})" if a.level_a else ""))
    print(f"B = {a.build_b}" + (f" (LOFTQ_CPU_LEVEL={a.level_b})" if a.level_b else ""))
    print(f"{'figure (median of ' + str(a.rounds) + ')':<34} {'A':>10} {'B':>10} {'B/A':>7}")
    for key in samples["A"][0]:
        ma = statistics.median(s[key] for s in samples["A"])
        mb = statistics.median(s[key] for s in samples["B"])
        print(f"{key:<34} {ma:>10.4g} {mb:>10.4g} {mb / ma:>7.3f}")


if __name__ == "__main__":
    main()
