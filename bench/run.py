"""Benchmark the portal: build the large data set, serve it with gunicorn, measure it with wrk.

    .venv/bin/python bench/run.py [--scale 0.1] [--reuse] [--duration 10] [--commit HEAD]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/run.py

Steps: prepare the database (SQLite in var/bench/ or the PostgreSQL database named in
DATABASE_URL), migrate, load the demo data, generate the bench data, collect static files,
count the SQL queries of every URL once with Django's test client, serve the site with
gunicorn (2 sync workers, production settings, DEBUG off) on 127.0.0.1, and run wrk against
the ceiling view and every URL the apps list (`manage.py bench_urls`). Prints a table and
writes it as JSON and Markdown under var/bench/results/. See bench/README.md.

Every step has a time limit; gunicorn is stopped on exit, on errors and on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
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

sys.path.insert(0, str(BASE_DIR))
from bench.ceiling import CEILING_PATH  # noqa: E402


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


def _terminate(signum, frame):
    # SIGTERM/SIGHUP take the same way out as Ctrl-C, so `finally` blocks stop gunicorn and
    # subprocess.run() kills the step that was running.
    raise KeyboardInterrupt(f"signal {signum}")


# --- database ---------------------------------------------------------------------------


class Database:
    """Where the benchmark's data lives: a SQLite file in var/bench/ or a PostgreSQL database
    whose name contains "bench" (the harness drops and recreates it, so it never touches a
    database that is not its own)."""

    def __init__(self, database_url: str):
        self.url = ""
        self.vendor = "sqlite"
        self.name = str(VAR_DIR / "db.sqlite3")
        if database_url:
            parts = urllib.parse.urlsplit(database_url)
            if not parts.scheme.startswith("postgres"):
                raise BenchError(f"Only PostgreSQL or SQLite are supported, not {parts.scheme}.")
            name = parts.path.lstrip("/")
            if "bench" not in name:
                log(
                    f"DATABASE_URL names the database {name!r}; the benchmark uses "
                    f"{DEFAULT_PG_DATABASE!r} on the same server instead."
                )
                name = DEFAULT_PG_DATABASE
            self.url = urllib.parse.urlunsplit(parts._replace(path="/" + name))
            self.vendor = "postgresql"
            self.name = name
            self._admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    @property
    def marker(self) -> Path:
        """File recording which bench-data scale this database holds (written on success)."""
        key = "sqlite" if self.vendor == "sqlite" else f"pg-{self.name}"
        return VAR_DIR / f"bench-data-{key}.json"

    def describe(self) -> str:
        if self.vendor == "sqlite":
            return f"SQLite {shown(self.name)}"
        parts = urllib.parse.urlsplit(self.url)
        return f"PostgreSQL {parts.hostname}:{parts.port or 5432}/{self.name}"

    def exists(self) -> bool:
        if self.vendor == "sqlite":
            return Path(self.name).exists()
        with self._admin() as conn:
            row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.name])
            return row.fetchone() is not None

    def recreate(self) -> None:
        self.marker.unlink(missing_ok=True)
        if self.vendor == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(self.name + suffix).unlink(missing_ok=True)
            return
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def create_if_missing(self) -> None:
        if self.vendor == "postgresql" and not self.exists():
            from psycopg import sql

            with self._admin() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def _admin(self):
        import psycopg

        return psycopg.connect(self._admin_url, autocommit=True, connect_timeout=10)

    def holds_bench_data(self, scale: float) -> bool:
        """Whether the last successful generation was at this scale, by the same apps."""
        try:
            marker = json.loads(self.marker.read_text())
            return float(marker["scale"]) == scale and marker["generators"] == generators()
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def write_marker(self, scale: float, seconds: float) -> None:
        self.marker.write_text(
            json.dumps(
                {
                    "scale": scale,
                    "generators": generators(),
                    "database": self.describe(),
                    "generated_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "seconds": round(seconds, 1),
                }
            )
        )


# --- steps ------------------------------------------------------------------------------


def generators() -> list[str]:
    """The apps with a bench-data generator (a new one means the data must be generated)."""
    return [app for app in APPS if (BASE_DIR / app / "bench_data.py").exists()]


def django_env(database: Database) -> dict[str, str]:
    """Environment for manage.py, the query counter and gunicorn: production settings."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    if database.url:
        env["DATABASE_URL"] = database.url
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "PORTAL_VAR_DIR": str(VAR_DIR),
            # A fresh key per run: nothing signed during a benchmark outlives it.
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(BASE_DIR), env.get("PYTHONPATH")])),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(env: dict[str, str], *args: str, timeout: float, capture: bool = False) -> str:
    """Run `manage.py ARGS` and return its output; raise BenchError with the end of its
    output when it fails or runs out of time. Unless capture, its lines are shown as they
    come (data generation can take minutes)."""
    step = " ".join(args)
    process = subprocess.Popen(
        [PYTHON, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        process.kill()

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    lines = []
    try:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if not capture:
                print(f"    {lines[-1]}", flush=True)
        process.wait()
    finally:
        timer.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        # Streamed output is on the screen already; captured output is shown now.
        tail = "\n".join(lines[-25:]) if capture else "(output above)"
        if timed_out.is_set():
            raise BenchError(f"manage.py {step} did not finish in {timeout:.0f} s:\n{tail}")
        raise BenchError(f"manage.py {step} failed (exit {process.returncode}):\n{tail}")
    return "\n".join(lines)


def prepare_data(args, database: Database, env: dict[str, str]) -> dict:
    """Fresh database (or the existing one with --reuse), migrated, demo + bench data."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    notes: dict = {"bench_data": "ok"}
    if args.reuse and database.exists():
        log(f"Reusing {database.describe()}")
    else:
        log(f"Creating {database.describe()}")
        database.recreate()
    database.create_if_missing()

    log("Migrating")
    manage(env, "migrate", "--noinput", "-v0", timeout=args.step_timeout)
    log("Loading the demo data (if the database has none)")
    manage(env, "load_demo_data", "--if-empty", timeout=args.step_timeout, capture=True)

    if args.reuse and database.holds_bench_data(args.scale):
        log(f"Bench data at scale {args.scale:g} already there; not generating")
        notes["bench_data"] = "reused"
    else:
        log(f"Generating the bench data at scale {args.scale:g} (this can take minutes)")
        started = time.monotonic()
        try:
            manage(
                env,
                "generate_bench_data",
                "--scale",
                f"{args.scale:g}",
                timeout=args.generate_timeout,
            )
        except BenchError as error:
            # One app's generator failing must not hide the numbers of the others: the run
            # goes on with whatever was generated and the failure is printed with the results.
            log(f"WARNING: {error}")
            notes["bench_data"] = f"FAILED: {error}"
        else:
            seconds = time.monotonic() - started
            database.write_marker(args.scale, seconds)
            notes["bench_data"] = f"generated in {seconds:.0f} s"
            log(f"Bench data generated in {seconds:.0f} s")

    log("Collecting static files")
    manage(env, "collectstatic", "--noinput", "-v0", timeout=args.step_timeout)
    return notes


def bench_urls(args, env: dict[str, str]) -> list[dict]:
    output = manage(env, "bench_urls", timeout=args.step_timeout, capture=True)
    try:
        urls = json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError) as error:
        raise BenchError(f"manage.py bench_urls did not print JSON: {output[-500:]!r}") from error
    seen = set()
    unique = []
    for item in urls:
        # Apps may hand over page.full_url: only the path and query are measured.
        parts = urllib.parse.urlsplit(item["url"])
        item["url"] = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        if item["url"] in seen:
            continue
        seen.add(item["url"])
        unique.append({"name": item["name"], "url": item["url"]})
    if args.only:
        unique = [u for u in unique if any(o in u["name"] or o in u["url"] for o in args.only)]
    if len(unique) > args.max_urls:
        log(f"{len(unique)} URLs listed; measuring the first {args.max_urls} (--max-urls)")
        unique = unique[: args.max_urls]
    return unique


def query_counts(args, env: dict[str, str], urls: list[dict]) -> dict[str, dict]:
    try:
        done = subprocess.run(
            [PYTHON, str(BENCH_DIR / "query_counts.py")],
            cwd=BASE_DIR,
            env=env,
            input=json.dumps(urls),
            capture_output=True,
            text=True,
            timeout=args.step_timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError("Counting the queries took too long.") from error
    if done.returncode != 0:
        raise BenchError(f"Counting the queries failed:\n{done.stderr[-3000:]}")
    return {row["url"]: row for row in json.loads(done.stdout)}


def warn_if_busy(when: str) -> float:
    """The 1-minute load average; a warning when other work competes for the CPUs.

    wrk and gunicorn share the machine with whatever else runs: on a busy machine every
    number drops, the ceiling included, so compare ratios within one run, not across runs.
    """
    load = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    if load > cpus / 2:
        log(
            f"WARNING: load average {load:.1f} on {cpus} CPUs {when}: other processes compete "
            "with the benchmark; absolute req/s will be low, compare ratios within this run."
        )
    return round(load, 2)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving the portal in its own process group, stopped on exit whatever happens."""

    def __init__(self, args, env: dict[str, str]):
        self.port = args.port or free_port()
        self.log_path = VAR_DIR / "gunicorn.log"
        self.command = [
            str(GUNICORN),
            "portal.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--backlog",
            "256",
            # gunicorn 27 opens a control socket under ~/.gunicorn/ by default.
            "--no-control-socket",
            "--error-logfile",
            "-",
        ]
        self.env = env
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Gunicorn:
        self.log_file = self.log_path.open("w")
        self.process = subprocess.Popen(
            self.command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited at start-up:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{self.log_tail()}")

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.log_file.close()

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def wrk(url: str, duration: float, threads: int, connections: int) -> dict:
    command = [
        WRK,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=10s",
        "--latency",
        f"--script={WRK_SCRIPT}",
        url,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    except subprocess.TimeoutExpired as error:
        raise BenchError(f"wrk did not finish against {url}") from error
    for line in done.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line.removeprefix("BENCH_RESULT "))
            seconds = result["duration_us"] / 1_000_000 or 1
            result["rps"] = result["requests"] / seconds
            return result
    raise BenchError(f"wrk printed no result for {url}:\n{done.stdout}\n{done.stderr}")


def one_at_a_time(url: str, count: int) -> dict:
    """COUNT requests one after the other: the time one visitor waits when nobody else is
    being served (wrk's latencies include the wait for a free worker)."""
    times = []
    statuses = []
    # The first request waits behind the connections wrk left in the listen queue (gunicorn
    # still serves them after wrk has gone): it drains the queue and is not counted.
    for n in range(count + 1):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                response.read()
                statuses.append(response.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
        except (urllib.error.URLError, OSError) as error:
            raise BenchError(f"{url} did not answer: {error}") from error
        if n:
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"p50_ms": times[len(times) // 2], "statuses": sorted(set(statuses))}


def encode(url: str) -> str:
    """Percent-encode non-ASCII characters (e.g. /search/?q=养老) so wrk sends a valid URL."""
    return urllib.parse.quote(url, safe="/?&=%:+#;,@!$'()*[]~")


# --- report -----------------------------------------------------------------------------


def environment_summary(args, database: Database, ceiling_kind: str) -> dict:
    def version(module: str) -> str:
        try:
            from importlib.metadata import version as v

            return v(module)
        except Exception:  # noqa: BLE001 - informative only
            return "?"

    commit = os.environ.get("BENCH_COMMIT", "")
    if not commit:
        commit = git("rev-parse", "--short", "HEAD") or "?"
        if git("status", "--porcelain", "--untracked-files=no"):
            commit += " + uncommitted changes"
    wrk_version = subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split("\n")[0]
    return {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": version("django"),
        "wagtail": version("wagtail"),
        "gunicorn": version("gunicorn"),
        "wrk": wrk_version.strip(),
        "database": database.describe(),
        "cache": "Redis" if os.environ.get("REDIS_URL") else "local memory (per worker)",
        "scale": args.scale,
        "server": f"gunicorn {args.workers} sync workers, {SETTINGS} "
        "(portal.settings.production + ceiling URL), DEBUG off",
        "load": f"wrk {args.threads} threads, {args.connections} connections, "
        f"{args.duration:g} s per URL after {args.warmup:g} s warm-up; then {args.alone} "
        "requests one at a time ('alone ms', median); 127.0.0.1",
        "ceiling": ceiling_kind,
    }


COLUMNS = (
    "name",
    "URL",
    "req/s",
    "p50 ms",
    "p99 ms",
    "alone ms",
    "non-2xx",
    "SQL/req",
    "page/ceiling",
)


def table_rows(rows: list[dict]) -> list[tuple[str, ...]]:
    out = []
    for row in rows:
        queries = row.get("queries_warm")
        out.append(
            (
                row["name"],
                row["url"],
                f"{row['rps']:.1f}" if row.get("rps") is not None else "-",
                f"{row['p50_ms']:.1f}" if row.get("p50_ms") is not None else "-",
                f"{row['p99_ms']:.1f}" if row.get("p99_ms") is not None else "-",
                f"{row['alone_median_ms']:.1f}" if row.get("alone_median_ms") is not None else "-",
                str(row.get("non2xx", "-")),
                "-" if queries is None else str(queries),
                f"{row['ratio']:.3f}" if row.get("ratio") is not None else "-",
            )
        )
    return out


def text_table(rows: list[dict]) -> str:
    body = table_rows(rows)

    def width(text: str) -> int:
        # Chinese characters take two columns in a terminal.
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    widths = [max(width(c) for c in column) for column in zip(COLUMNS, *body, strict=False)]
    right = set(range(2, len(COLUMNS)))

    def line(cells) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - width(cell))
            parts.append(pad + cell if i in right else cell + pad)
        return "  ".join(parts)

    return "\n".join([line(COLUMNS), line("-" * w for w in widths), *map(line, body)])


def markdown(summary: dict, rows: list[dict]) -> str:
    lines = ["# Benchmark results", ""]
    lines += [f"- **{key}**: {value}" for key, value in summary.items() if key != "rows"]
    lines += ["", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for cells in table_rows(rows):
        cells = [cells[0], f"`{cells[1]}`", *cells[2:]]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += [
        "",
        "req/s and latency from wrk (closed loop: latency includes waiting for a free worker); "
        "alone ms is the median of requests sent one at a time (no queueing); non-2xx counts "
        "every response outside 200–299 (redirects included); SQL/req is the "
        "query count of a warm request with Django's test client; page/ceiling = page req/s "
        "÷ mean ceiling req/s.",
    ]
    return "\n".join(lines) + "\n"


# --- main -------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
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
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (2)")
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
    ceiling_kind = (
        "plain Django function view returning 'ok' (bench/ceiling.py), same gunicorn workers, "
        "same settings and full middleware stack, no database or template"
    )
    summary = environment_summary(args, database, ceiling_kind)
    log(f"Benchmark on {summary['database']}, scale {args.scale:g}")
    summary.update(prepare_data(args, database, env))

    urls = bench_urls(args, env)
    log(f"{len(urls)} URLs to measure")
    ceiling = {"name": "ceiling", "url": CEILING_PATH}
    log("Counting SQL queries per URL (Django test client)")
    counts = query_counts(args, env, [ceiling, *urls])

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
            url = server.base_url + encode(item["url"])
            if args.warmup:
                wrk(url, args.warmup, args.threads, args.connections)
            result = wrk(url, args.duration, args.threads, args.connections)
            alone = one_at_a_time(url, args.alone) if args.alone else None
            count = counts.get(item["url"], {})
            row = {
                "name": item["name"],
                "url": item["url"],
                "rps": result["rps"],
                # No completed request, no latency (wrk would print 0).
                "p50_ms": result["p50_us"] / 1000 if result["requests"] else None,
                "p99_ms": result["p99_us"] / 1000 if result["requests"] else None,
                "non2xx": result["non2xx"],
                "alone_median_ms": alone["p50_ms"] if alone else None,
                "alone_statuses": alone["statuses"] if alone else None,
                "requests": result["requests"],
                "socket_errors": result["errors"],
                "status": count.get("status"),
                "queries_warm": count.get("queries_warm"),
                "queries_cold": count.get("queries_cold"),
                "error": count.get("error", ""),
            }
            rows.append(row)
            errors = result["errors"]
            socket_errors = sum(errors[k] for k in ("connect", "read", "write", "timeout"))
            row["socket_errors_total"] = socket_errors
            cells = table_rows([row])[0]
            log(
                f"  {item['name']:<24} {cells[2]:>8} req/s  p50 {cells[3]:>7} ms  "
                f"p99 {cells[4]:>7} ms  alone {cells[5]:>6} ms  non-2xx {row['non2xx']}"
                + (f"  socket errors/timeouts {socket_errors}" if socket_errors else "")
            )
        summary["load_after"] = round(os.getloadavg()[0], 2)
        failing = [r for r in rows if r["non2xx"] or r["error"]]
        if failing:
            log("Some URLs answered outside 2xx; the end of gunicorn's log:")
            print(server.log_tail(), flush=True)

    ceilings = [r["rps"] for r in rows if r["url"] == CEILING_PATH]
    ceiling_rps = sum(ceilings) / len(ceilings)
    for row in rows:
        row["ratio"] = row["rps"] / ceiling_rps if ceiling_rps else None
    summary["ceiling_rps"] = round(ceiling_rps, 1)
    spread = (max(ceilings) - min(ceilings)) / ceiling_rps if ceiling_rps else 0
    summary["ceiling_spread"] = f"{spread:.0%}"
    if spread > 0.25:
        log(
            f"WARNING: the two ceiling runs differ by {spread:.0%}: the machine's load changed "
            "during the run, so the ratios are uncertain by about as much."
        )
    summary["rows"] = rows

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    tag = f"{stamp}-{database.vendor}-scale{args.scale:g}"
    json_text = json.dumps(summary, ensure_ascii=False, indent=2)
    md_text = markdown(summary, rows)
    for name, text in ((f"{tag}.json", json_text), (f"{tag}.md", md_text)):
        (RESULTS_DIR / name).write_text(text)
    (RESULTS_DIR / "latest.json").write_text(json_text)
    (RESULTS_DIR / "latest.md").write_text(md_text)

    print()
    keys = ("commit", "database", "scale", "bench_data", "server", "load", "ceiling", "cpus")
    keys += ("load_before", "ceiling_spread")
    for key in keys:
        print(f"{key:>10}: {summary[key]}")
    print()
    print(text_table(rows))
    print()
    for row in rows:
        if row["socket_errors_total"]:
            print(f"! {row['name']} {row['url']}: {row['socket_errors']} (wrk socket errors)")
        if row["error"] or (row["status"] is not None and not 200 <= row["status"] < 300):
            status = f"test client status {row['status']} {row['error']}".strip()
            print(f"! {row['name']} {row['url']}: {status}")
    log(f"Results: {shown(RESULTS_DIR / tag)}.{{json,md}}")
    return 0


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else ""


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
