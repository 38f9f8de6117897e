"""Start and stop the two-node cluster: `make cluster` (by hand) or the `Cluster` class
(tests/cluster/test_cluster.py).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python -m cluster [--port 8100]

The parts, each a process of its own on 127.0.0.1, in its own process group:

- a PostgreSQL database of its own (`cluster_<pid>_<random>`, created on the server that
  DATABASE_URL names, dropped at the end), migrated, then seeded (the demo data by hand, the
  tests' own few rows in the tests). Migrating takes a minute or two, so the first start
  keeps a migrated copy as a template (`cluster_template_<digest of the migrations and
  package versions>`) and the next starts copy it in a second;
- Redis: CLUSTER_REDIS_URL, else REDIS_URL's server with database 12, or 12 + n under
  pytest-xdist's worker gwn (the test suite's own databases are 0–3; the queues' names are
  fixed, so each cluster needs a database of its own, and one cluster at a time may use
  it), with a key prefix of its own for the cache.
  rq's keys left there by an earlier cluster (jobs of a database since dropped) are
  deleted at the start;
- moto in server mode as the S3 API, with the bucket created, when moto is installed;
- two gunicorn nodes (portal/gunicorn_conf.py, two workers each) with cluster.settings
  (production's settings, see that module);
- one rq worker for both queues, as README.md ("Background work") runs it;
- HAProxy (Debian's `haproxy`) in front, round robin, health checks on /healthz every half
  second, and connection failures sent to the other node (`retries`, `option redispatch`).
  Each answer names the node that made it (`X-Cluster-Node`).

Every wait is bounded (START_TIMEOUT); stop() ends every process by its process group and
drops the database, whatever happened before.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 90  # seconds for each process to answer
SETUP_TIMEOUT = 600  # migrate + seed
STOP_TIMEOUT = 25  # gunicorn's graceful timeout is 20 s
BUCKET = "portal-cluster"
CLUSTER_REDIS_DB = 12

MIGRATE = """
import django
from django.core.management import call_command

django.setup()
call_command("migrate", interactive=False, verbosity=0)
"""
# What `make cluster` loads after the migrations.
DEMO_SETUP = """
import django
from django.core.management import call_command

django.setup()
call_command("load_demo_data", if_empty=True, verbosity=0)
"""

HAPROXY_CONFIG = """\
global
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A connection refused by a stopped node is tried again, on the other node.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    option forwardfor

frontend portal
    bind {host}:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 2
    http-response set-header X-Cluster-Node %[srv_name]
{servers}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


class ClusterError(RuntimeError):
    pass


def descendants(pid: int) -> list[int]:
    """The ids of the processes below `pid` (read from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def migrations_digest() -> str:
    """What the migrated schema depends on: the project's migrations and the versions of the
    installed packages (Wagtail's and Django's migrations come with them)."""
    from importlib import metadata

    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    for name in sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions()):
        digest.update(name.encode())
    return digest.hexdigest()[:12]


class Process:
    """One part of the cluster: a command in its own process group, its output in a log."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log = log
        self.popen: subprocess.Popen | None = None
        self.log_start = 0  # where this start's output begins in the log

    def start(self) -> None:
        self.log_start = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("a") as output:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own group: signal() reaches its children too
            )

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def send(self, signum: int) -> None:
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signum)

    def wait(self, timeout: float) -> bool:
        try:
            self.popen.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def stop(self, signum: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> None:
        if not self.running:
            return
        self.send(signum)
        if not self.wait(timeout):
            self.send(signal.SIGKILL)
            self.wait(10)

    def kill_tree(self) -> None:
        """SIGKILL to the process and every descendant, also those in a process group of
        their own (rq's work horse calls setpgrp): as when the machine or its cgroup dies."""
        if not self.running:
            return
        pids = descendants(self.popen.pid)
        self.send(signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.wait(10)


class Cluster:
    """The cluster's processes; `start()` and `stop()` (also a context manager)."""

    def __init__(
        self,
        *,
        database_url: str,
        redis_url: str,
        setup: str = DEMO_SETUP,
        port: int = 0,
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        s3: bool | None = None,
    ):
        if not database_url.startswith(("postgres://", "postgresql://")):
            raise ClusterError("The cluster needs PostgreSQL: DATABASE_URL=postgres://...")
        # The database is created and dropped through the server's maintenance database.
        self.admin_url = urlunsplit(urlsplit(database_url)._replace(path="/postgres"))
        self.database = f"cluster_{os.getpid()}_{secrets.token_hex(3)}"
        self.database_url = urlunsplit(urlsplit(database_url)._replace(path=f"/{self.database}"))
        self.redis_url = redis_url
        self.setup_script = setup
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="portal-cluster-"))
        self.own_workdir = workdir is None
        self.extra_env = extra_env or {}
        self.s3 = shutil.which("moto_server") is not None if s3 is None else s3
        self.balancer_port = port or free_port()
        self.node_ports = [free_port(), free_port()]
        self.s3_port = free_port()
        self.nodes: list[Process] = []
        self.worker: Process | None = None
        self.haproxy: Process | None = None
        self.moto: Process | None = None
        self.database_created = False
        self.secret_key = secrets.token_urlsafe(40)  # the same on every node
        self.timings: dict[str, float] = {}

    # --- Addresses ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.balancer_port}"

    @property
    def node_urls(self) -> list[str]:
        return [f"http://{HOST}:{port}" for port in self.node_ports]

    @property
    def s3_url(self) -> str:
        return f"http://{HOST}:{self.s3_port}"

    # --- Environment ----------------------------------------------------------------------

    def environ(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "cluster.settings",
                "DJANGO_SECRET_KEY": self.secret_key,
                "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
                "DJANGO_SECURE_SSL_REDIRECT": "0",
                "DJANGO_BEHIND_PROXY": "1",
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "CACHE_KEY_PREFIX": f"cluster-{self.database}",
                "DJANGO_TASKS_BACKEND": "rq",
                "PORTAL_VAR_DIR": str(self.workdir / "var"),
                "WAGTAILADMIN_BASE_URL": self.url,
                "PYTHONPATH": os.pathsep.join(
                    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
                ),
            }
        )
        if self.s3:
            env.update(
                {
                    "AWS_STORAGE_BUCKET_NAME": BUCKET,
                    "AWS_S3_ENDPOINT_URL": self.s3_url,
                    "AWS_ACCESS_KEY_ID": "cluster",
                    "AWS_SECRET_ACCESS_KEY": "cluster-secret",
                    "AWS_S3_REGION_NAME": "us-east-1",
                }
            )
        env.update(self.extra_env)
        return env

    # --- Starting -------------------------------------------------------------------------

    def start(self) -> Cluster:
        started = time.monotonic()
        (self.workdir / "var").mkdir(parents=True, exist_ok=True)
        self._clear_queues()
        if self.s3:
            self._start_moto()
        self.create_database()
        self.timings["migrated"] = time.monotonic() - started
        self.run_python(self.setup_script)
        self.timings["setup"] = time.monotonic() - started
        for index in range(len(self.node_ports)):
            self.nodes.append(self._node(index))
            self.nodes[index].start()
        self.worker = self._worker()
        self.worker.start()
        self._start_haproxy()
        for index, node_url in enumerate(self.node_urls):
            self._wait_for(node_url + "/healthz", self.nodes[index])
        self._wait_for(self.url + "/healthz", self.haproxy)
        self.wait_for_worker()
        self.timings["ready"] = time.monotonic() - started
        return self

    def create_database(self) -> None:
        """The cluster's database, migrated: a copy of the template database of the same
        migrations when the server has one (a second or so), else migrated here (a minute or
        two), then kept as that template (`cluster_template_<digest>`, replacing those of
        other digests) for the next start."""
        digest = migrations_digest()
        template = f"cluster_template_{digest}"
        # The test suite's template (tests/pg_template.py) is the same migrations, migrated:
        # CI's PostgreSQL pass has built it by the time its cluster starts.
        for source in (template, f"test_template_{digest}"):
            if self.database_created or not self._database_exists(source):
                continue
            try:
                self._admin_sql(f'CREATE DATABASE "{self.database}" TEMPLATE "{source}"')
                self.database_created = True
            except Exception:  # noqa: BLE001 - the template is busy: try the next, or migrate
                pass
        if not self.database_created:
            self._admin_sql(f'CREATE DATABASE "{self.database}"')
            self.database_created = True
            self.run_python(MIGRATE)
            with contextlib.suppress(Exception):  # another start made it meanwhile
                self._admin_sql(f'CREATE DATABASE "{template}" TEMPLATE "{self.database}"')
            for (old,) in self._admin_rows(
                "SELECT datname FROM pg_database WHERE datname LIKE 'cluster\\_template\\_%%' "
                "AND datname <> %s",
                template,
            ):
                with contextlib.suppress(Exception):
                    self._admin_sql(f'DROP DATABASE IF EXISTS "{old}"')
        # A throwaway database: commits need not wait for the disk.
        self._admin_sql(f'ALTER DATABASE "{self.database}" SET synchronous_commit = off')

    def _clear_queues(self) -> None:
        """Delete rq's keys (queues, registries, jobs) in the cluster's Redis database: jobs
        an earlier cluster left behind name rows of a database that is gone."""
        import redis

        connection = redis.Redis.from_url(self.redis_url)
        try:
            keys = list(connection.scan_iter(match="rq:*", count=1000))
            for start in range(0, len(keys), 500):
                connection.delete(*keys[start : start + 500])
        finally:
            connection.close()

    def _database_exists(self, name: str) -> bool:
        return bool(self._admin_rows("SELECT 1 FROM pg_database WHERE datname = %s", name))

    def run_python(self, script: str) -> None:
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
        )
        if result.returncode != 0:
            raise ClusterError(f"setup failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")

    def _node(self, index: int) -> Process:
        env = {
            **self.environ(),
            "GUNICORN_BIND": f"{HOST}:{self.node_ports[index]}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_ACCESS_LOG": str(self.workdir / f"node{index + 1}-access.log"),
        }
        command = [sys.executable, "-m", "gunicorn", "-c", "python:portal.gunicorn_conf"]
        command += ["portal.wsgi"]
        return Process(f"node{index + 1}", command, env, self.workdir / f"node{index + 1}.log")

    def _worker(self) -> Process:
        command = [sys.executable, "manage.py", "rqworker", "default", "exports"]
        command += ["--job-class", "django_tasks_rq.Job", "--with-scheduler"]
        return Process("worker", command, self.environ(), self.workdir / "worker.log")

    def _start_moto(self) -> None:
        self.moto = Process(
            "s3",
            ["moto_server", "-H", HOST, "-p", str(self.s3_port)],
            dict(os.environ),
            self.workdir / "moto.log",
        )
        self.moto.start()
        self._wait_for(self.s3_url + "/moto-api/", self.moto)
        request = urllib.request.Request(f"{self.s3_url}/{BUCKET}", method="PUT")
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200, response.status

    def _start_haproxy(self) -> None:
        haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
        if not Path(haproxy).exists():
            raise ClusterError("HAProxy is not installed: apt-get install haproxy")
        servers = "\n".join(
            f"    server node{index + 1} {HOST}:{port}"
            for index, port in enumerate(self.node_ports)
        )
        config = self.workdir / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(host=HOST, port=self.balancer_port, servers=servers)
        )
        self.haproxy = Process(
            "haproxy",
            [haproxy, "-db", "-f", str(config)],
            dict(os.environ),
            self.workdir / "haproxy.log",
        )
        self.haproxy.start()

    def _wait_for(self, url: str, process: Process, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not process.running:
                raise ClusterError(f"{process.name} exited:\n{tail(process.log)}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise ClusterError(f"{process.name} not ready in {timeout} s:\n{tail(process.log)}")

    def wait_for_worker(self, timeout: float = START_TIMEOUT) -> None:
        """Until the worker says it listens to its queues (it then takes jobs)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.worker.running:
                raise ClusterError(f"worker exited:\n{tail(self.worker.log)}")
            with self.worker.log.open("rb") as log:
                log.seek(self.worker.log_start)
                if b"Listening on" in log.read():
                    return
            time.sleep(0.2)
        raise ClusterError(f"worker not ready in {timeout} s:\n{tail(self.worker.log)}")

    # --- Changing it while it runs --------------------------------------------------------

    def stop_node(self, index: int, signum: int = signal.SIGTERM) -> None:
        self.nodes[index].stop(signum)

    def start_node(self, index: int) -> None:
        self.nodes[index] = self._node(index)
        self.nodes[index].start()
        self._wait_for(self.node_urls[index] + "/healthz", self.nodes[index])

    def kill_worker(self) -> None:
        self.worker.kill_tree()

    def start_worker(self) -> None:
        with self.worker.log.open("a") as log:
            log.write("\n--- Worker stopped; started again ---\n")
        self.worker = self._worker()
        self.worker.start()
        self.wait_for_worker()

    def manage(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """A management command against the cluster's database and Redis (as cron runs it)."""
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environ(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    # --- Stopping -------------------------------------------------------------------------

    def stop(self) -> None:
        processes = [p for p in [self.haproxy, *self.nodes, self.worker, self.moto] if p]
        started = time.monotonic()
        for process in processes:  # all at once, then wait for each
            process.send(signal.SIGTERM)
        for process in processes:
            process.stop()
            self.timings[f"stopped {process.name}"] = time.monotonic() - started
        if self.database_created:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self.database_created = False
            self.timings["dropped the database"] = time.monotonic() - started
        if self.own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc) -> None:
        self.stop()

    def logs(self, lines: int = 40) -> str:
        parts = [self.haproxy, *self.nodes, self.worker, self.moto]
        return "\n".join(
            f"--- {part.name} ---\n{tail(part.log, lines)}" for part in parts if part is not None
        )

    def _admin_sql(self, sql: str) -> None:
        self._admin_rows(sql)

    def _admin_rows(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            cursor = connection.execute(sql, params or None)
            return cursor.fetchall() if cursor.description else []


def cluster_redis_url(redis_url: str) -> str:
    """CLUSTER_REDIS_URL, else REDIS_URL's server with the cluster's own database: 12, or
    12 + n for pytest-xdist's worker gwn. rq's queues have fixed names, so two clusters
    started at once (one per xdist worker, when the cluster checks are split between them)
    must not share a database: the worker of one took or cleared the other's jobs."""
    if os.environ.get("CLUSTER_REDIS_URL"):
        return os.environ["CLUSTER_REDIS_URL"]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    database = CLUSTER_REDIS_DB + (int(worker[2:]) if worker[2:].isdigit() else 0)
    return urlunsplit(urlsplit(redis_url)._replace(path=f"/{database}"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the portal as a two-node cluster.")
    parser.add_argument("--port", type=int, default=8100, help="HAProxy's port (8100)")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        print(
            "The cluster needs PostgreSQL and Redis: set DATABASE_URL=postgres://... "
            "and REDIS_URL=redis://...",
            file=sys.stderr,
        )
        return 2
    cluster = Cluster(
        database_url=database_url, redis_url=cluster_redis_url(redis_url), port=args.port
    )
    print("Starting: database, migrations, demo data, S3, two nodes, worker, HAProxy ...")

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C and SIGTERM stop every part, also while it starts (and when the shell that
    # started it in the background had SIGINT ignored).
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        cluster.start()
        print(f"The cluster is up: {cluster.url}/ (Ctrl-C stops it)")
        print(f"  node 1 {cluster.node_urls[0]}/  node 2 {cluster.node_urls[1]}/")
        if cluster.s3:
            print(f"  S3 (moto) {cluster.s3_url}/  bucket {BUCKET}")
        print(f"  logs in {cluster.workdir}/")
        while True:
            for process in [cluster.haproxy, *cluster.nodes, cluster.worker]:
                if not process.running:
                    print(f"{process.name} exited:\n{tail(process.log)}", file=sys.stderr)
                    return 1
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    except ClusterError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        print("Stopping the cluster ...")
        cluster.stop()
        print("Stopped:", {name: round(value, 1) for name, value in cluster.timings.items()})
    return 0
