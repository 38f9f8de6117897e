"""Where the CPU went while wrk ran: the machine's busy, idle and steal time and the CPU of
each process group (gunicorn, PostgreSQL, Redis, wrk, the rest), from /proc (Linux only).

    .venv/bin/python bench/cpu.py -- .venv/bin/python manage.py bench_case_reports --client wrk

runs the command and, for the window in which a process named `wrk` was alive (the whole
command when none was), prints the core-seconds of the machine and of each group. A process
that ends inside the window (wrk itself) is counted up to the last poll that saw it, 0.2 s at
most before its end. On a virtual machine **steal** is the time the hypervisor gave this
machine's cores to others: a run with a few seconds of steal out of 2 × its seconds is slower
for reasons outside the code, so quote it with every write figure (bench/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
GROUPS = (("gunicorn", "gunicorn"), ("postgres", "postgres"), ("redis", "redis-server"))


def machine() -> dict[str, float]:
    """Seconds of CPU since boot, over all cores: busy (user, nice, system, irq, softirq),
    idle (idle, iowait) and steal."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    return {
        "busy": (user + nice + system + irq + softirq) / TICKS,
        "idle": (idle + iowait) / TICKS,
        "steal": steal / TICKS,
    }


def _group(pid: str) -> str | None:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        name = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return None
    if name == "wrk":
        return "wrk"
    for group, needle in GROUPS:
        if needle in command or needle in name:
            return group
    return "other"


def processes() -> dict[str, tuple[str, float]]:
    """pid → (group, seconds of CPU used so far)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        group = _group(entry.name)
        if group:
            found[entry.name] = (group, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


class Window:
    """Snapshots at the start and end of wrk's run, polled every 0.2 s."""

    def __init__(self):
        self.start = self.end = None
        self.last = (time.monotonic(), machine(), processes())
        self.stop = threading.Event()

    def _wrk_alive(self, snapshot) -> bool:
        return any(group == "wrk" for group, _cpu in snapshot.values())

    def run(self):
        while not self.stop.wait(0.2):
            now = (time.monotonic(), machine(), processes())
            if self.start is None and self._wrk_alive(now[2]):
                self.start = self.last  # the poll before wrk appeared
            elif self.start is not None and self.end is None and not self._wrk_alive(now[2]):
                self.end = now
            self.last = now


def split(start, end) -> tuple[float, dict[str, float], Counter]:
    (t0, m0, p0), (t1, m1, p1) = start, end
    totals = {key: m1[key] - m0[key] for key in m0}
    groups = Counter()
    for pid, (group, cpu) in p1.items():
        groups[group] += cpu - p0.get(pid, (group, 0.0))[1]
    return t1 - t0, totals, groups


def main(argv: list[str]) -> int:
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1 :]
    window = Window()
    poller = threading.Thread(target=window.run, daemon=True)
    poller.start()
    begun = window.last
    result = subprocess.run(command, check=False, capture_output=True, text=True)  # noqa: S603
    window.stop.set()
    poller.join()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    start = window.start or begun
    end = window.end or window.last
    seconds, totals, groups = split(start, end)
    cores = os.cpu_count() or 1
    print(
        f"cpu: {seconds:.1f} s window on {cores} cores = {seconds * cores:.1f} core-s: "
        + ", ".join(f"{key} {value:.1f}" for key, value in totals.items())
    )
    print("cpu by group (core-s): " + ", ".join(f"{g} {s:.2f}" for g, s in groups.most_common()))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
