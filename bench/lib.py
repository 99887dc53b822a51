#!/usr/bin/env python3
"""Timing and reporting helper for bench/status.sh and bench/sync.sh (python3 stdlib only).

Subcommands:
  bench   --size N --runs R --dirty D --results FILE [--reset CMD] [--verify CMD]
          -- LABEL ARGV... :: LABEL ARGV... :: ...
          Runs in the current directory. One untimed, checked warm-up run per contender, then R
          rounds that run every contender once, round-robin (the starting contender rotates each
          round). Wall time comes from a monotonic clock; CPU time and max RSS from wait4()
          (that max RSS includes the pre-exec image, i.e. this Python process's own size, so it
          is only an upper bound).
          --reset CMD: a bash command run, untimed, before every run (warm-ups included), for
          contenders that change what they work on (sync). --verify CMD: a bash command run
          after each contender's warm-up, with BENCH_LABEL set; a non-zero exit stops the
          benchmark (it checks that the contender did the work).
          Appends one JSON line per contender to FILE.
  report  --results FILE [--rss-kb KB] [--rss-size N] [--rss-source TEXT]
          Prints the status table, the ratios and the goals of the benchmark with PASS/MISS.
  sync-report --results FILE
          The same for bench/sync.sh.
  license-report --results FILE
          The same for bench/license.sh.
  verify-license --repos DIR --base SHA --message MSG
          Checks a fleet after one relicensing: every repository has exactly one new commit on
          top of SHA with MSG, a clean work tree, the Apache license in LICENSE, Cargo.toml's
          license Apache-2.0, and no tracked file declaring MIT any more.
  verify-sync --repos DIR --remotes DIR --base SHA --dirty-every K [--message MSG]
          Checks a fleet after one sync: repositories numbered i with i % K == 0 (none when K is
          0) have exactly one new commit on top of SHA, with MSG, pushed to their bare remote
          (REMOTES/NAME.git) and a clean work tree; every other repository and its remote are
          still at SHA.
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

# The contenders of bench/sync.sh. "clean-*" run on a fleet where nothing is to do.
SYNC_DESCRIPTIONS = {
    "sync": "(a) git-batch sync",
    "loop-serial": "(b) sync_repos.sh loop, serial",
    "loop-parallel": "(c) sync_repos.sh loop, parallel -j 8",
    "loop-xargs": "(c) sync_repos.sh loop, xargs -P 8",
    "clean-sync": "(d) git-batch sync, all clean",
    "clean-loop-serial": "    sync_repos.sh loop serial, all clean",
    "clean-loop-parallel": "    sync_repos.sh loop parallel -j 8, clean",
    "clean-loop-xargs": "    sync_repos.sh loop xargs -P 8, clean",
}

# Goals of status, from issue 14 (they were 0.5 s, 4x and 100 MB before it).
GOAL_STATUS_S = 0.25
GOAL_SPEEDUP_VS_XARGS = 5.0
GOAL_RSS_MB = 50.0
GOAL_LIST_S = 0.050
GOAL_SIZE = 1000

# Goals of sync, from the performance section of its issue.
GOAL_SYNC_SPEEDUP_VS_PARALLEL = 3.0
GOAL_SYNC_CLEAN_S = 0.100
GOAL_SYNC_CLEAN_SIZE = 100


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


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_cpu_s():
    """CPU seconds the whole machine has spent busy (Linux /proc/stat), or None elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def describe(label):
    return (DESCRIPTIONS.get(label) or SYNC_DESCRIPTIONS.get(label)
            or LICENSE_DESCRIPTIONS.get(label) or label)


def run_hook(what, command, label):
    """Runs a --reset or --verify command (bash); exits the benchmark when it fails."""
    if not command:
        return
    env = dict(os.environ, BENCH_LABEL=label)
    done = subprocess.run(["bash", "-c", command], stdin=subprocess.DEVNULL, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"lib.py: {what} for {label!r} failed (exit code {done.returncode})")


def cmd_bench(args):
    contenders = parse_contenders(args.contenders)
    if not contenders:
        sys.exit("lib.py: no contenders")
    for label, argv in contenders:
        run_hook("the reset", args.reset, label)
        _, _, _, code, out, err = run_once(argv, capture=True)
        problem = check_warmup(label, args.size, args.dirty, code, out, err)
        if problem:
            sys.exit(f"lib.py: warm-up of {label!r} on {args.size} repositories: {problem}")
        run_hook("the check of the warm-up run", args.verify, label)
    samples = {label: {"wall": [], "cpu": [], "rss": [], "other": []} for label, _ in contenders}
    for round_no in range(args.runs):
        shift = round_no % len(contenders)
        for label, argv in contenders[shift:] + contenders[:shift]:
            run_hook("the reset", args.reset, label)
            busy_before = busy_cpu_s()
            wall, cpu, rss, code, _, _ = run_once(argv)
            busy_after = busy_cpu_s()
            if code != 0:
                sys.exit(f"lib.py: {label!r} exited with {code} in round {round_no + 1}")
            samples[label]["wall"].append(wall)
            samples[label]["cpu"].append(cpu)
            samples[label]["rss"].append(rss)
            # CPU the machine spent outside the timed process tree while it ran: other programs,
            # and the kernel's own threads (write-back, journal) working for the contender.
            if busy_before is not None and busy_after is not None:
                samples[label]["other"].append(max(0.0, busy_after - busy_before - cpu))
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
                "other_cpu_s": s["other"],
            }
            results.write(json.dumps(row) + "\n")
            print(
                f"  {describe(label):<44} median {fmt_s(statistics.median(s['wall']))}"
                f"  min {fmt_s(min(s['wall']))}"
                + (f"  other cpu {fmt_s(statistics.median(s['other']))}" if s["other"] else ""),
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
        print(f"  status wall < {GOAL_STATUS_S:.2f} s       {fmt_s(status).strip():>10}   "
              f"{verdict(status < GOAL_STATUS_S)}")
    else:
        print(f"  status wall < {GOAL_STATUS_S:.2f} s       {missing}")
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
        print(f"  peak memory < {GOAL_RSS_MB:.0f} MB         n/a (not measured)")
    if listed is not None:
        print(f"  list wall < {GOAL_LIST_S * 1000:.0f} ms          {fmt_s(listed).strip():>10}   "
              f"{verdict(listed < GOAL_LIST_S)}")
    else:
        print(f"  list wall < {GOAL_LIST_S * 1000:.0f} ms          {missing}")


def other_cpu(row):
    other = row.get("other_cpu_s") or []
    return fmt_s(statistics.median(other)) if other else "n/a"


def cmd_sync_report(args):
    rows = []
    with open(args.results, encoding="utf-8") as results:
        for line in results:
            if line.strip():
                rows.append(json.loads(line))
    table = {(r["size"], r["label"]): r for r in rows}
    runs = max((len(r["wall_s"]) for r in rows), default=0)

    def median(size, label):
        row = table.get((size, label))
        return statistics.median(row["wall_s"]) if row else None

    dirty_labels = ["sync", "loop-serial", "loop-parallel", "loop-xargs"]
    clean_labels = ["clean-sync", "clean-loop-serial", "clean-loop-parallel", "clean-loop-xargs"]
    dirty_sizes = sorted({r["size"] for r in rows if r["label"] in dirty_labels})
    clean_sizes = sorted({r["size"] for r in rows if r["label"] in clean_labels})

    print()
    print(f"Wall time, median and min of {runs} runs, each on a fleet reset from its pristine copy "
          f"(untimed);")
    print("cpu = user+sys of the whole process tree, median (cpu > wall means work ran in parallel)")
    print("other = CPU the machine spent outside the timed process tree meanwhile, median (other")
    print("programs, and kernel threads such as write-back); much above 0 means the figure is noisy")
    header = (f"{'repos':>5}  {'contender':<44} {'median':>10} {'min':>10} {'cpu':>10}"
              f" {'other':>10}")
    print(header)
    print("-" * len(header))
    for sizes, labels in ((dirty_sizes, dirty_labels), (clean_sizes, clean_labels)):
        for size in sizes:
            for label in labels:
                row = table.get((size, label))
                if not row:
                    continue
                print(
                    f"{size:>5}  {SYNC_DESCRIPTIONS[label]:<44}"
                    f" {fmt_s(statistics.median(row['wall_s'])):>10}"
                    f" {fmt_s(min(row['wall_s'])):>10} {fmt_s(statistics.median(row['cpu_s'])):>10}"
                    f" {other_cpu(row):>10}"
                )
            print()

    def ratio(x, y):
        return f"{x / y:.2f}x" if x and y else "n/a"

    print("Ratios of medians (how many times faster git-batch sync is), fleets 20% dirty:")
    print(f"{'repos':>5}  {'(b)/(a) serial':>15} {'(c)/(a) -j 8':>13} {'per repo (a)':>13}"
          f" {'per repo (c)':>13}")
    for size in dirty_sizes:
        a, b = median(size, "sync"), median(size, "loop-serial")
        c = median(size, "loop-parallel") or median(size, "loop-xargs")
        per_a = f"{a / size * 1e3:.2f} ms" if a else "n/a"
        per_c = f"{c / size * 1e3:.2f} ms" if c else "n/a"
        print(f"{size:>5}  {ratio(b, a):>15} {ratio(c, a):>13} {per_a:>13} {per_c:>13}")
    for size in clean_sizes:
        a = median(size, "clean-sync")
        b = median(size, "clean-loop-serial")
        c = median(size, "clean-loop-parallel") or median(size, "clean-loop-xargs")
        print(f"{size:>5}  {ratio(b, a):>15} {ratio(c, a):>13}   (clean fleet)")

    print()
    print("Goals (from the issue):")
    for size in dirty_sizes:
        a = median(size, "sync")
        if (size, "loop-parallel") in table:
            c, how = median(size, "loop-parallel"), "parallel -j 8"
        else:
            c, how = median(size, "loop-xargs"), "xargs -P 8"
        goal = f"sync >= {GOAL_SYNC_SPEEDUP_VS_PARALLEL:.0f}x faster than loop {how}, {size} repos"
        if a and c:
            speedup = c / a
            print(f"  {goal:<54} {speedup:>9.2f}x   "
                  f"{verdict(speedup >= GOAL_SYNC_SPEEDUP_VS_PARALLEL)}")
        else:
            print(f"  {goal:<54} n/a")
    goal = f"sync of {GOAL_SYNC_CLEAN_SIZE} clean repos < {GOAL_SYNC_CLEAN_S * 1000:.0f} ms"
    clean = median(GOAL_SYNC_CLEAN_SIZE, "clean-sync")
    if clean is not None:
        print(f"  {goal:<54} {fmt_s(clean).strip():>10}   {verdict(clean < GOAL_SYNC_CLEAN_S)}")
    else:
        print(f"  {goal:<54} n/a (no {GOAL_SYNC_CLEAN_SIZE}-repository clean fleet measured)")


# The contenders of bench/license.sh.
LICENSE_DESCRIPTIONS = {
    "license": "(a) git-batch license-update",
    "sed-parallel": "(b) find | parallel -j 8 sed -i loop",
    "sed-xargs": "(b) find | xargs -P 8 sed -i loop",
    "check": "(c) git-batch license-update --check, nothing to do",
}
GOAL_LICENSE_SPEEDUP = 3.0  # issue 14
GOAL_CHECK_S = 1.0
GOAL_CHECK_SIZE = 500


def cmd_license_report(args):
    rows = []
    with open(args.results, encoding="utf-8") as results:
        rows = [json.loads(line) for line in results if line.strip()]
    table = {(r["size"], r["label"]): r for r in rows}
    runs = max((len(r["wall_s"]) for r in rows), default=0)

    def median(size, label):
        row = table.get((size, label))
        return statistics.median(row["wall_s"]) if row else None

    print()
    print(f"Wall time, median and min of {runs} runs, each on a fleet reset from its pristine copy "
          f"(untimed); cpu = user+sys of the process tree, median")
    header = f"{'repos':>5}  {'contender':<48} {'median':>10} {'min':>10} {'cpu':>10}"
    print(header)
    print("-" * len(header))
    for size in sorted({r["size"] for r in rows}):
        for label, description in LICENSE_DESCRIPTIONS.items():
            row = table.get((size, label))
            if row:
                print(f"{size:>5}  {description:<48} {fmt_s(statistics.median(row['wall_s'])):>10}"
                      f" {fmt_s(min(row['wall_s'])):>10}"
                      f" {fmt_s(statistics.median(row['cpu_s'])):>10}")
    print()
    print("Goals (from the issue):")
    for size in sorted({r["size"] for r in rows if r["label"] == "license"}):
        a = median(size, "license")
        b = median(size, "sed-parallel") or median(size, "sed-xargs")
        goal = f"license-update >= {GOAL_LICENSE_SPEEDUP:.0f}x faster than the sed loop, {size} repos"
        if a and b:
            print(f"  {goal:<60} {b / a:>7.2f}x   {verdict(b / a >= GOAL_LICENSE_SPEEDUP)}")
    check = median(GOAL_CHECK_SIZE, "check")
    goal = f"--check on {GOAL_CHECK_SIZE} relicensed repos < {GOAL_CHECK_S:.0f} s"
    if check is not None:
        print(f"  {goal:<60} {fmt_s(check).strip():>8}   {verdict(check < GOAL_CHECK_S)}")
    else:
        print(f"  {goal:<60} n/a (CHECK_SIZE was not {GOAL_CHECK_SIZE})")


def cmd_verify_license(args):
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(n for n in os.listdir(args.repos) if os.path.isdir(os.path.join(args.repos, n)))
    if not names:
        sys.exit(f"lib.py: no repositories in {args.repos}")

    def problem(name):
        work = os.path.join(args.repos, name)
        log = git_out("-C", work, "log", "-1", "--format=%P%x00%s")
        if log is None:
            return "cannot read HEAD"
        parents, _, subject = log.partition("\0")
        if parents != args.base:
            return f"HEAD is not one commit on top of the old HEAD (parents: {parents})"
        if subject != args.message:
            return f"the new commit's message is {subject!r}"
        if git_out("-C", work, "status", "--porcelain"):
            return "changes left in the work tree"
        with open(os.path.join(work, "LICENSE"), encoding="utf-8") as license_file:
            if not license_file.read().startswith("Apache License"):
                return "LICENSE does not hold the Apache license"
        with open(os.path.join(work, "Cargo.toml"), encoding="utf-8") as manifest:
            if 'license = "Apache-2.0"' not in manifest.read():
                return "Cargo.toml does not declare Apache-2.0"
        left = git_out("-C", work, "grep", "-l", "-E", "SPDX-License-Identifier: MIT$")
        if left:
            return f"files still declaring MIT: {left.splitlines()[:3]}"
        return None

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems = list(pool.map(problem, names))
    wrong = [(n, p) for n, p in zip(names, problems) if p]
    label = os.environ.get("BENCH_LABEL", "?")
    if wrong:
        print(f"  check of {label}: {len(wrong)} of {len(names)} repositories wrong:", file=sys.stderr)
        for name, why in wrong[:10]:
            print(f"    {name}: {why}", file=sys.stderr)
        sys.exit(1)
    print(f"  check of {label}: OK, all {len(names)} repositories relicensed in one commit each",
          file=sys.stderr)


def git_out(*argv):
    """git's stdout, stripped; None when it fails."""
    done = subprocess.run(["git", *argv], stdin=subprocess.DEVNULL, capture_output=True,
                          check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "replace").strip()


def verify_repo(repos, remotes, name, dirty, base, message):
    """What is wrong with one repository after a sync, or None."""
    work = os.path.join(repos, name)
    remote = os.path.join(remotes, name + ".git")
    log = git_out("-C", work, "log", "-2", "--format=%H %P%x00%s")
    tip = git_out("-C", remote, "rev-parse", "--verify", "-q", "refs/heads/main")
    if log is None or tip is None:
        return "cannot read HEAD or the remote's main"
    head, _, subject = log.splitlines()[0].partition("\0")
    head, _, parents = head.partition(" ")
    if not dirty:
        if head != base:
            return f"clean, but HEAD moved to {head[:12]}"
        if tip != base:
            return f"clean, but its remote moved to {tip[:12]}"
        return None
    if head == base:
        return "dirty, but nothing was committed"
    if parents != base:
        return f"HEAD {head[:12]} is not one commit on top of the old HEAD (parents: {parents})"
    if subject != message:
        return f"the new commit's message is {subject!r}"
    if tip != head:
        return f"the new commit is not on the remote (remote main at {tip[:12]})"
    left = git_out("-C", work, "status", "--porcelain")
    if left:
        return f"changes left after the sync: {left.splitlines()[:3]}"
    return None


def cmd_verify_sync(args):
    from concurrent.futures import ThreadPoolExecutor

    names = sorted(n for n in os.listdir(args.repos) if os.path.isdir(os.path.join(args.repos, n)))
    if not names:
        sys.exit(f"lib.py: no repositories in {args.repos}")

    def is_dirty(name):
        number = int(name.rsplit("-", 1)[1])
        return args.dirty_every > 0 and number % args.dirty_every == 0

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        problems = list(pool.map(
            lambda n: verify_repo(args.repos, args.remotes, n, is_dirty(n), args.base,
                                  args.message),
            names,
        ))
    wrong = [(n, p) for n, p in zip(names, problems) if p]
    committed = sum(1 for n in names if is_dirty(n))
    label = os.environ.get("BENCH_LABEL", "?")
    if wrong:
        print(f"  check of {label}: {len(wrong)} of {len(names)} repositories wrong:", file=sys.stderr)
        for name, problem in wrong[:10]:
            print(f"    {name}: {problem}", file=sys.stderr)
        sys.exit(1)
    if committed:
        print(f"  check of {label}: OK, {committed} dirty repositories got exactly one commit, "
              f"pushed, work tree clean; the other {len(names) - committed} and their remotes "
              f"untouched", file=sys.stderr)
    else:
        print(f"  check of {label}: OK, none of the {len(names)} repositories or their remotes "
              f"changed", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench")
    bench.add_argument("--size", type=int, required=True)
    bench.add_argument("--runs", type=int, required=True)
    bench.add_argument("--dirty", type=int, required=True)
    bench.add_argument("--results", required=True)
    bench.add_argument("--reset", default="")
    bench.add_argument("--verify", default="")
    bench.add_argument("contenders", nargs=argparse.REMAINDER)
    report = sub.add_parser("report")
    report.add_argument("--results", required=True)
    report.add_argument("--rss-kb", type=int, default=0)
    report.add_argument("--rss-size", type=int, default=0)
    report.add_argument("--rss-source", default="/usr/bin/time -f %M")
    sync_report = sub.add_parser("sync-report")
    sync_report.add_argument("--results", required=True)
    license_report = sub.add_parser("license-report")
    license_report.add_argument("--results", required=True)
    verify_license = sub.add_parser("verify-license")
    verify_license.add_argument("--repos", required=True)
    verify_license.add_argument("--base", required=True)
    verify_license.add_argument("--message", required=True)
    verify = sub.add_parser("verify-sync")
    verify.add_argument("--repos", required=True)
    verify.add_argument("--remotes", required=True)
    verify.add_argument("--base", required=True)
    verify.add_argument("--dirty-every", type=int, required=True)
    verify.add_argument("--message", default="chore: batch update")
    args = parser.parse_args()
    if args.command == "bench":
        if args.contenders and args.contenders[0] == "--":
            args.contenders = args.contenders[1:]
        if args.runs < 1:
            sys.exit("lib.py: --runs must be at least 1")
        cmd_bench(args)
    elif args.command == "sync-report":
        cmd_sync_report(args)
    elif args.command == "verify-sync":
        cmd_verify_sync(args)
    elif args.command == "license-report":
        cmd_license_report(args)
    elif args.command == "verify-license":
        cmd_verify_license(args)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()
