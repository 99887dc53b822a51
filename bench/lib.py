#!/usr/bin/env python3
"""Timing and reporting helper for bench/status.sh (python3 standard library only).

Subcommands:
  bench   --size N --runs R --dirty D --results FILE -- LABEL ARGV... :: LABEL ARGV... :: ...
          Runs in the current directory. One untimed, checked warm-up run per contender, then R
          rounds that run every contender once, round-robin (the starting contender rotates each
          round). Wall time comes from a monotonic clock; CPU time and max RSS from wait4()
          (that max RSS includes the pre-exec image, i.e. this Python process's own size, so it
          is only an upper bound).
          Appends one JSON line per contender to FILE.
  report  --results FILE [--rss-kb KB] [--rss-size N] [--rss-source TEXT]
          Prints the table, the ratios and the goals of the benchmark with PASS/MISS.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

SEPARATOR = "::"

# What each contender is, for the table.
DESCRIPTIONS = {
    "status": "(a) git-batch status",
    "status-json": "(b) git-batch status --format json",
    "serial": "(c) serial loop: git status --porcelain=v2",
    "xargs": "(d) find | xargs -P 8 git status",
    "list": "(e) git-batch list",
}

# Goals from the performance section of the issue.
GOAL_STATUS_S = 0.5
GOAL_SPEEDUP_VS_XARGS = 4.0
GOAL_RSS_MB = 100.0
GOAL_LIST_S = 0.050
GOAL_SIZE = 1000


def parse_contenders(words):
    """Splits `LABEL ARGV... :: LABEL ARGV...` into [(label, argv)]."""
    contenders, current = [], []
    for word in words + [SEPARATOR]:
        if word == SEPARATOR:
            if current:
                if len(current) < 2:
                    sys.exit(f"lib.py: contender {current[0]!r} has no command")
                contenders.append((current[0], current[1:]))
            current = []
        else:
            current.append(word)
    return contenders


def run_once(argv, capture=False):
    """Runs argv once: (wall s, cpu s, max rss KB, exit code, stdout, stderr)."""
    stdout = subprocess.PIPE if capture else subprocess.DEVNULL
    stderr = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.monotonic_ns()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
    out = err = b""
    if capture:
        # Drain both pipes before reaping, so a large output cannot block the child.
        out, err = child.communicate()
        # communicate() has reaped it already; rusage then comes from RUSAGE_CHILDREN deltas,
        # which warm-up runs do not need.
        wall = (time.monotonic_ns() - start) / 1e9
        return wall, 0.0, 0, child.returncode, out, err
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.monotonic_ns() - start) / 1e9
    child.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss, child.returncode, out, err


def check_warmup(label, size, dirty, code, out, err):
    """Checks that a contender really read every repository. Returns a problem or None."""
    text = out.decode("utf-8", "replace")
    if code != 0:
        return f"exit code {code}; stderr: {err.decode('utf-8', 'replace').strip()[:400]}"
    if label == "status-json":
        doc = json.loads(text)
        repos = doc.get("repos", [])
        if len(repos) != size:
            return f"{len(repos)} repositories in the JSON, expected {size}"
        failed = [r["name"] for r in repos if r.get("outcome") == "failed"]
        if failed:
            return f"failed repositories: {failed[:5]}"
        found_dirty = sum(1 for r in repos if r.get("state") == "dirty")
        if found_dirty != dirty:
            return f"{found_dirty} dirty repositories reported, expected {dirty}"
        wrong = [
            r["name"]
            for r in repos
            if r.get("state") == "dirty" and (r.get("unstaged"), r.get("untracked")) != (1, 1)
        ]
        if wrong:
            return f"dirty repositories without 1 unstaged + 1 untracked: {wrong[:5]}"
        clean = sum(1 for r in repos if r.get("state") == "clean")
        if clean != size - dirty:
            return f"{clean} clean repositories reported, expected {size - dirty}"
    elif label in ("serial", "xargs"):
        heads = text.count("# branch.head main\n")
        upstreams = text.count("# branch.upstream origin/main\n")
        modified = sum(1 for line in text.splitlines() if line.startswith("1 .M "))
        untracked = sum(1 for line in text.splitlines() if line.startswith("? "))
        got = (heads, upstreams, modified, untracked)
        if got != (size, size, dirty, dirty):
            return f"(heads, upstreams, modified, untracked) = {got}, expected " \
                f"{(size, size, dirty, dirty)}"
    elif label == "list":
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) != size:
            return f"{len(lines)} lines listed, expected {size}"
    return None


def cmd_bench(args):
    contenders = parse_contenders(args.contenders)
    if not contenders:
        sys.exit("lib.py: no contenders")
    for label, argv in contenders:
        _, _, _, code, out, err = run_once(argv, capture=True)
        problem = check_warmup(label, args.size, args.dirty, code, out, err)
        if problem:
            sys.exit(f"lib.py: warm-up of {label!r} on {args.size} repositories: {problem}")
    samples = {label: {"wall": [], "cpu": [], "rss": []} for label, _ in contenders}
    for round_no in range(args.runs):
        shift = round_no % len(contenders)
        for label, argv in contenders[shift:] + contenders[:shift]:
            wall, cpu, rss, code, _, _ = run_once(argv)
            if code != 0:
                sys.exit(f"lib.py: {label!r} exited with {code} in round {round_no + 1}")
            samples[label]["wall"].append(wall)
            samples[label]["cpu"].append(cpu)
            samples[label]["rss"].append(rss)
        print(f"  round {round_no + 1}/{args.runs} done", file=sys.stderr)
    with open(args.results, "a", encoding="utf-8") as results:
        for label, _ in contenders:
            s = samples[label]
            row = {
                "size": args.size,
                "label": label,
                "wall_s": s["wall"],
                "cpu_s": s["cpu"],
                "maxrss_kb": s["rss"],
            }
            results.write(json.dumps(row) + "\n")
            print(
                f"  {DESCRIPTIONS.get(label, label):<44} median {fmt_s(statistics.median(s['wall']))}"
                f"  min {fmt_s(min(s['wall']))}",
                file=sys.stderr,
            )


def fmt_s(seconds):
    if seconds < 1.0:
        return f"{seconds * 1000:7.1f} ms"
    return f"{seconds:7.3f} s "


def verdict(ok):
    return "PASS" if ok else "MISS"


def cmd_report(args):
    rows = []
    with open(args.results, encoding="utf-8") as results:
        for line in results:
            if line.strip():
                rows.append(json.loads(line))
    table = {(r["size"], r["label"]): r for r in rows}
    sizes = sorted({r["size"] for r in rows})
    labels = [l for l in DESCRIPTIONS if any((s, l) in table for s in sizes)]
    runs = max((len(r["wall_s"]) for r in rows), default=0)

    def median(size, label, key="wall_s"):
        row = table.get((size, label))
        return statistics.median(row[key]) if row else None

    print()
    print(f"Wall time, median and min of {runs} runs; cpu = user+sys of the whole process tree, "
          f"median (cpu > wall means work ran in parallel)")
    header = f"{'repos':>5}  {'contender':<44} {'median':>10} {'min':>10} {'cpu':>10}"
    print(header)
    print("-" * len(header))
    for size in sizes:
        for label in labels:
            row = table.get((size, label))
            if not row:
                continue
            print(
                f"{size:>5}  {DESCRIPTIONS[label]:<44} {fmt_s(statistics.median(row['wall_s'])):>10}"
                f" {fmt_s(min(row['wall_s'])):>10} {fmt_s(statistics.median(row['cpu_s'])):>10}"
            )
        print()

    print("Ratios of medians (how many times faster git-batch status is):")
    print(f"{'repos':>5}  {'(d)/(a) xargs':>14} {'(c)/(a) serial':>15} {'(d)/(b) xargs/json':>19}"
          f" {'per repo (a)':>13}")
    for size in sizes:
        a, b = median(size, "status"), median(size, "status-json")
        c, d = median(size, "serial"), median(size, "xargs")
        ratio = lambda x, y: f"{x / y:.2f}x" if x and y else "n/a"
        per_repo = f"{a / size * 1e6:.0f} us" if a else "n/a"
        print(f"{size:>5}  {ratio(d, a):>14} {ratio(c, a):>15} {ratio(d, b):>19} {per_repo:>13}")

    print()
    print(f"Goals (from the issue), on {GOAL_SIZE} repositories:")
    status = median(GOAL_SIZE, "status")
    xargs = median(GOAL_SIZE, "xargs")
    listed = median(GOAL_SIZE, "list")
    missing = f"n/a (no {GOAL_SIZE}-repository fleet measured)"
    if status is not None:
        print(f"  status wall < {GOAL_STATUS_S:.1f} s        {fmt_s(status).strip():>10}   "
              f"{verdict(status < GOAL_STATUS_S)}")
    else:
        print(f"  status wall < {GOAL_STATUS_S:.1f} s        {missing}")
    if status is not None and xargs is not None:
        speedup = xargs / status
        print(f"  >= {GOAL_SPEEDUP_VS_XARGS:.0f}x faster than xargs -P 8 {speedup:>9.2f}x   "
              f"{verdict(speedup >= GOAL_SPEEDUP_VS_XARGS)}")
    else:
        print(f"  >= {GOAL_SPEEDUP_VS_XARGS:.0f}x faster than xargs -P 8 {missing}")
    if args.rss_kb:
        mb = args.rss_kb / 1024
        print(f"  peak memory < {GOAL_RSS_MB:.0f} MB        {mb:>7.1f} MB   {verdict(mb < GOAL_RSS_MB)}"
              f"   ({args.rss_source}, {args.rss_size} repositories)")
    else:
        print("  peak memory < 100 MB        n/a (not measured)")
    if listed is not None:
        print(f"  list wall < {GOAL_LIST_S * 1000:.0f} ms          {fmt_s(listed).strip():>10}   "
              f"{verdict(listed < GOAL_LIST_S)}")
    else:
        print(f"  list wall < {GOAL_LIST_S * 1000:.0f} ms          {missing}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench")
    bench.add_argument("--size", type=int, required=True)
    bench.add_argument("--runs", type=int, required=True)
    bench.add_argument("--dirty", type=int, required=True)
    bench.add_argument("--results", required=True)
    bench.add_argument("contenders", nargs=argparse.REMAINDER)
    report = sub.add_parser("report")
    report.add_argument("--results", required=True)
    report.add_argument("--rss-kb", type=int, default=0)
    report.add_argument("--rss-size", type=int, default=0)
    report.add_argument("--rss-source", default="/usr/bin/time -f %M")
    args = parser.parse_args()
    if args.command == "bench":
        if args.contenders and args.contenders[0] == "--":
            args.contenders = args.contenders[1:]
        if args.runs < 1:
            sys.exit("lib.py: --runs must be at least 1")
        cmd_bench(args)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()
