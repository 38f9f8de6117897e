"""What every part of the benchmark shares: where things are, how it logs, how it fails."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
# --commit runs the harness from an exported tree but keeps data and results here.
VAR_DIR = Path(os.environ.get("BENCH_VAR_DIR") or BASE_DIR / "var" / "bench")
RESULTS_DIR = VAR_DIR / "results"
PYTHON = sys.executable
GUNICORN = Path(PYTHON).with_name("gunicorn")
WRK = shutil.which("wrk") or "/usr/bin/wrk"
WRK_SCRIPT = BENCH_DIR / "wrk_report.lua"
SETTINGS = "bench.settings"
HOST = "127.0.0.1"
DEFAULT_PG_DATABASE = "portal_bench"
APPS = ("portal", "projects", "volunteers", "surveys", "cases")


class BenchError(Exception):
    """A step failed; the message says which and why."""


def log(message: str) -> None:
    stamp = datetime.datetime.now().strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", flush=True)


def shown(path) -> str:
    """A path as the person who started the run reads it: relative to the current directory
    when it is below it."""
    path = Path(path).resolve()
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""
