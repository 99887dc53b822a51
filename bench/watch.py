#!/usr/bin/env python3
"""The measurements of bench/watch.sh, run in the fleet's folder (see there)."""

import argparse
import os
import queue
import resource
import statistics
import subprocess
import threading
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """utime + stime of a running process, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Watching:
    """`git-batch watch --format jsonl` with its lines timed as they arrive."""

    def __init__(self, binary):
        self.started = time.monotonic()
        self.child = subprocess.Popen(
            [binary, "watch", "--format", "jsonl"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.child.stdout:
            self.lines.put((time.monotonic(), line))

    def wait_lines(self, count, timeout=600):
        """Reads `count` lines; returns the time the last one came."""
        last = None
        for _ in range(count):
            last, _ = self.lines.get(timeout=timeout)
        return last

    def stop(self):
        self.child.terminate()
        return self.child.wait(timeout=30)


def children_cpu_s(argv, shell=False):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, shell=shell, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall_s(argv):
    started = time.monotonic()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - started


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--changes", type=int, default=50)
    parser.add_argument("--idle", type=int, default=60)
    args = parser.parse_args()
    repos = sorted(d for d in os.listdir(".") if os.path.isdir(os.path.join(d, ".git")))

    # Start-up against status, interleaved.
    status_s, startup_s = [], []
    wall_s([args.bin, "status"])
    for _ in range(3):
        status_s.append(wall_s([args.bin, "status"]))
        watching = Watching(args.bin)
        startup_s.append(watching.wait_lines(args.size) - watching.started)
        watching.stop()

    # Latency: a new file in a different repository each time, to its line.
    watching = Watching(args.bin)
    watching.wait_lines(args.size)
    time.sleep(3)  # the readings after the watches are set up settle
    while not watching.lines.empty():
        watching.lines.get()
    latencies = []
    step = max(1, len(repos) // max(1, args.changes))
    for k in range(args.changes):
        repo = repos[(k * step + 1) % len(repos)]
        written = time.monotonic()
        with open(os.path.join(repo, f"bench-{k}.txt"), "w") as new:
            new.write("x\n")
        arrived = watching.wait_lines(1, timeout=30)
        latencies.append(arrived - written)
        time.sleep(0.1)

    # Idle CPU.
    time.sleep(2)
    before = cpu_s(watching.child.pid)
    time.sleep(args.idle)
    idle_cpu = cpu_s(watching.child.pid) - before
    rss = peak_rss_mb(watching.child.pid)
    watching.stop()

    # The usual ways, per idle minute: 30 passes.
    status_cpu = statistics.median(children_cpu_s([args.bin, "status"]) for _ in range(3))
    loop = 'for d in */; do git -C "$d" status --porcelain=v2 --branch; done'
    loop_cpu = statistics.median(children_cpu_s(["bash", "-c", loop]) for _ in range(3))

    ms = lambda s: f"{s * 1000:.0f} ms"
    per_minute = 60 / args.idle
    print(f"watch on {args.size} repositories")
    print(f"  start-up to every first line: {ms(statistics.median(startup_s))} "
          f"(status: {ms(statistics.median(status_s))}; "
          f"ratio {statistics.median(startup_s) / statistics.median(status_s):.2f}, goal <= 1.5)")
    print(f"  write to line: median {ms(statistics.median(latencies))} (goal < 100 ms), "
          f"p95 {ms(percentile(latencies, 0.95))} (goal < 200 ms), "
          f"max {ms(max(latencies))}, over {len(latencies)} writes")
    print(f"  CPU idle: {idle_cpu:.2f} s in {args.idle} s "
          f"({idle_cpu * per_minute:.2f} s a minute; goal < 0.5 s)")
    print(f"  peak RSS: {rss:.1f} MB (goal < 60 MB)")
    print("  CPU per idle minute, the usual ways (one pass x 30):")
    print(f"    watch -n 2 git batch status: {status_cpu * 30:.1f} s")
    print(f"    git status loop every 2 s:   {loop_cpu * 30:.1f} s")
    print(f"    git batch watch:             {idle_cpu * per_minute:.2f} s")


if __name__ == "__main__":
    main()
