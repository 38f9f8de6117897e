"""The benchmark database (SQLite in var/bench/ or PostgreSQL from DATABASE_URL) and the
manage.py steps that fill it: migrate, demo data, bench data, static files, the URL list
and the query counts."""

from __future__ import annotations

import datetime
import json
import os
import secrets
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from bench.common import (
    APPS,
    BASE_DIR,
    BENCH_DIR,
    DEFAULT_PG_DATABASE,
    HOST,
    PYTHON,
    SETTINGS,
    VAR_DIR,
    BenchError,
    log,
    shown,
)


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


# Who measures the staff pages (the Wagtail admin) instead of the public ones (bench/cli.py).
STAFF_VISITORS = ("staff", "admin")


def bench_urls(args, env: dict[str, str]) -> list[dict]:
    staff = ["--staff"] if args.visitor in STAFF_VISITORS else []
    output = manage(env, "bench_urls", *staff, timeout=args.step_timeout, capture=True)
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


def query_counts(
    args, env: dict[str, str], urls: list[dict], cookies: dict | None = None
) -> dict[str, dict]:
    try:
        done = subprocess.run(
            [PYTHON, str(BENCH_DIR / "query_counts.py")],
            cwd=BASE_DIR,
            env=env,
            input=json.dumps({"urls": urls, "cookies": cookies or {}}),
            capture_output=True,
            text=True,
            timeout=args.step_timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError("Counting the queries took too long.") from error
    if done.returncode != 0:
        raise BenchError(f"Counting the queries failed:\n{done.stderr[-3000:]}")
    return {row["url"]: row for row in json.loads(done.stdout)}


def login(args, env: dict[str, str], email: str) -> dict:
    """A session of the person with this e-mail address, written by bench/login.py through
    the settings gunicorn uses: {"name": cookie name, "value": session key, "user_id"}."""
    try:
        done = subprocess.run(
            [PYTHON, str(BENCH_DIR / "login.py")],
            cwd=BASE_DIR,
            env=env,
            input=email,
            capture_output=True,
            text=True,
            timeout=args.step_timeout,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError("Signing the bench visitor in took too long.") from error
    if done.returncode != 0:
        raise BenchError(f"Signing {email} in failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)
