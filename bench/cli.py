"""The command line of bench/run.py: the options, the run from start to end, and --commit.

Every step has a time limit; gunicorn is stopped on exit, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import shutil
import signal
import subprocess
import sys
import tarfile
from pathlib import Path

from bench.ceiling import CEILING_PATH
from bench.common import (
    BASE_DIR,
    BENCH_DIR,
    GUNICORN,
    PYTHON,
    RESULTS_DIR,
    VAR_DIR,
    WRK,
    BenchError,
    git,
    log,
    shown,
)
from bench.database import Database, bench_urls, django_env, login, prepare_data, query_counts
from bench.load import encode, measure
from bench.report import (
    ceiling_ratios,
    environment_summary,
    log_row,
    print_results,
    query_columns,
    write_results,
)
from bench.server import Gunicorn, warn_if_busy

DESCRIPTION = (
    "Benchmark the portal: build the large data set, serve it with gunicorn, measure it with wrk."
)


# Who sends the requests (--as): anonymous visitors without a cookie, or one signed-in person
# of the demo data whose session cookie goes with every request, the ceiling's included: the
# resident measures the public pages; a community's staff and the district administrator
# measure the staff pages instead (the hook portal_bench_staff_urls: 我的待办).
VISITORS = {
    "anonymous": None,
    "resident": "resident@example.cn",
    "staff": "staff@example.cn",
    "admin": "admin@example.cn",
}

CEILING_KIND = (
    "plain Django function view returning 'ok' (bench/ceiling.py), same gunicorn workers, "
    "same settings and full middleware stack, no database or template"
)


def _terminate(signum, frame):
    # SIGTERM/SIGHUP take the same way out as Ctrl-C, so `finally` blocks stop gunicorn and
    # subprocess.run() kills the step that was running.
    raise KeyboardInterrupt(f"signal {signum}")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=DESCRIPTION)
    parser.add_argument("--scale", type=float, default=1.0, help="bench data scale (default 1)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the existing benchmark database; skip generation when it already holds "
        "the bench data at this scale",
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per URL (10)")
    parser.add_argument("--warmup", type=float, default=2, help="warm-up seconds per URL (2)")
    parser.add_argument(
        "--alone",
        type=int,
        default=10,
        help="requests one at a time per URL for the 'alone ms' column (median); 0: skip (10)",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--worker-threads",
        type=int,
        default=1,
        help="threads per gunicorn worker: 1 runs sync workers, more runs gthread (1)",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: free)")
    parser.add_argument("--max-urls", type=int, default=40, help="measure at most N URLs (40)")
    parser.add_argument(
        "--only", action="append", help="measure only URLs whose name or path contains this"
    )
    parser.add_argument(
        "--commit",
        metavar="REV",
        help="benchmark a clean export of this commit (e.g. HEAD) instead of the working tree",
    )
    parser.add_argument(
        "--page-cache",
        choices=("on", "off"),
        default="on",
        help="the server-side cache of anonymous pages (portal.page_cache): on (default) "
        "measures the cached anonymous pages, off the uncached ones",
    )
    parser.add_argument(
        "--as",
        dest="visitor",
        choices=tuple(VISITORS),
        default="anonymous",
        help="who requests the pages: anonymous (default, no cookie), resident (the demo "
        "resident, signed in; the page cache never serves a signed-in person), or staff / "
        "admin (the demo community staff or district administrator, on the staff pages)",
    )
    parser.add_argument(
        "--step-timeout", type=float, default=900, help="limit for each setup step (900 s)"
    )
    parser.add_argument(
        "--generate-timeout", type=float, default=5400, help="limit for data generation (5400 s)"
    )
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    if not 1 <= args.duration <= 120 or not 0 <= args.warmup <= 60 or not 0 <= args.alone <= 100:
        parser.error("--duration must be 1–120 s, --warmup 0–60 s and --alone 0–100")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    return args


def run(args) -> int:
    for tool in (WRK, str(GUNICORN)):
        if not Path(tool).exists():
            raise BenchError(f"{tool} is missing (apt-get install wrk; make install-dev).")
    database = Database(os.environ.get("DATABASE_URL", ""))
    env = django_env(database)
    env["PORTAL_PAGE_CACHE"] = args.page_cache
    summary = environment_summary(args, database, CEILING_KIND)
    summary["page_cache"] = args.page_cache
    summary["visitor"] = args.visitor
    log(f"Benchmark on {summary['database']}, scale {args.scale:g}, as {args.visitor}")
    summary.update(prepare_data(args, database, env))

    urls = bench_urls(args, env)
    log(f"{len(urls)} URLs to measure")
    cookies, headers = {}, {}
    if VISITORS[args.visitor]:
        session = login(args, env, VISITORS[args.visitor])
        cookies = {session["name"]: session["value"]}
        headers = {"Cookie": f"{session['name']}={session['value']}"}
        log(f"Signed in as {VISITORS[args.visitor]} (user {session['user_id']})")
    ceiling = {"name": "ceiling", "url": CEILING_PATH}
    log("Counting SQL queries per URL (Django test client)")
    counts = query_counts(args, env, [ceiling, *urls], cookies)

    # The ceiling is measured before and after the pages: if the two differ much, the machine
    # was busy with something else and the ratios are not to be trusted.
    plan = [ceiling, *urls, {"name": "ceiling (again)", "url": CEILING_PATH}]
    rows: list[dict] = []
    estimate = len(plan) * (args.duration + args.warmup + 0.2 * args.alone)
    log(f"Starting gunicorn; measuring {len(plan)} runs, about {estimate / 60:.1f} min")
    summary["load_before"] = warn_if_busy("before measuring")
    with Gunicorn(args, env) as server:
        log(f"gunicorn on {server.base_url} (log: {shown(server.log_path)})")
        for item in plan:
            row = measure(args, item, server.base_url + encode(item["url"]), headers)
            row.update(query_columns(counts.get(item["url"], {})))
            rows.append(row)
            log_row(row)
        summary["load_after"] = round(os.getloadavg()[0], 2)
        failing = [r for r in rows if r["non2xx"] or r["error"]]
        if failing:
            log("Some URLs answered outside 2xx; the end of gunicorn's log:")
            print(server.log_tail(), flush=True)

    summary.update(ceiling_ratios(rows, ceiling_path=CEILING_PATH))
    summary["rows"] = rows
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    tag = f"{stamp}-{database.vendor}-scale{args.scale:g}-{args.visitor}-cache{args.page_cache}"
    write_results(summary, rows, RESULTS_DIR, tag)
    print_results(summary, rows)
    log(f"Results: {shown(RESULTS_DIR / tag)}.{{json,md}}")
    return 0


# Put in front of sys.path of every process of a --commit run: the project is installed in
# the virtualenv in editable mode, and setuptools' editable finder would otherwise import
# modules missing from the exported tree from the working tree instead.
SITECUSTOMIZE = """\
import sys

sys.meta_path[:] = [f for f in sys.meta_path if "_EditableFinder" not in getattr(f, "__name__", "")]
sys.path[:] = [p for p in sys.path if "__editable__" not in p]
"""


def exec_from_commit(ref: str, argv: list[str]) -> None:
    """Re-run this harness on a clean export of commit REF (others may be editing the working
    tree). The harness itself (bench/) is the working tree's; data and results stay in
    var/bench/ of the working tree."""
    sha = git("rev-parse", "--short", f"{ref}^{{commit}}")
    if not sha:
        raise BenchError(f"{ref!r} is not a commit of this repository.")
    tree = VAR_DIR / "tree"
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha], cwd=BASE_DIR, capture_output=True
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {sha} failed: {archive.stderr.decode(errors='replace')}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        # The archive comes from this repository; the "data" filter where Python has it.
        extra = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        tar.extractall(tree, **extra)
    shutil.rmtree(tree / "bench", ignore_errors=True)
    shutil.copytree(BENCH_DIR, tree / "bench", ignore=shutil.ignore_patterns("__pycache__"))
    shim = VAR_DIR / "shim"
    shim.mkdir(parents=True, exist_ok=True)
    (shim / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = dict(os.environ)
    env.update(
        {
            "BENCH_VAR_DIR": str(VAR_DIR),
            "BENCH_COMMIT": sha,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(shim), env.get("PYTHONPATH")])),
        }
    )
    log(f"Benchmarking commit {sha} from {shown(tree)}")
    sys.stdout.flush()
    os.execve(PYTHON, [PYTHON, str(tree / "bench" / "run.py"), *argv], env)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.commit:
        rest = list(argv)
        for i, arg in enumerate(rest):
            if arg == "--commit":
                del rest[i : i + 2]
                break
            if arg.startswith("--commit="):
                del rest[i]
                break
        try:
            exec_from_commit(args.commit, rest)
        except BenchError as error:
            log(f"ERROR: {error}")
            return 1
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        return run(args)
    except BenchError as error:
        log(f"ERROR: {error}")
        return 1
    except KeyboardInterrupt:
        log("Interrupted; the processes the run started are stopped.")
        return 130


if __name__ == "__main__":
    sys.exit(main())
