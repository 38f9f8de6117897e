"""The API's contract fuzzing against a live server with the demo data (issue #14).

`schemathesis run`, with the repository's schemathesis.toml, against gunicorn serving the
project on a database of its own (a SQLite file in a temporary directory, or a PostgreSQL
database named portal_fuzz_<pid> when DATABASE_URL is set) after `migrate` and
`load_demo_data`. It covers every operation of /api/v1/openapi.json three times:

1. without a token;
2. with a resident's session token from allauth's headless login (X-Session-Token), every
   operation but the two that end a login;
3. those two (revoking a device, deleting the account), with the token of a throwaway account
   signed up for the purpose, so nothing else depends on that login surviving.

Each run must end without a failure: no 5xx, and every answer's status code, content type,
headers and body as the schema declares (the checks of schemathesis.toml, never loosened here).
The server is stopped and its database dropped whatever happens. CI runs it once, in the
newcomer's SQLite pass (`make test LIVE=0` runs the in-process fuzzing,
tests/api/test_schema_fuzz.py, instead, as the PostgreSQL pass does).

Time on a 2-core machine under a load of 5–6: setup 85–110 s (about 55 s of CPU: the
migrations, the demo data, one search index build; the migrations are now a copy of the
tests' migrated template), the three runs 85 s (anonymous ~36 s,
resident ~45 s, throwaway ~4 s); tests/api/fuzz_settings.py holds the bounds."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.api import fuzz_settings

pytestmark = pytest.mark.live

DEMO_RESIDENT = "resident@example.cn"
SCHEMA_PATH = "/api/v1/openapi.json"
SETUP = """
import django
from django.core.management import call_command

django.setup()
call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo_data", verbosity=0)
call_command("update_index", verbosity=0)
"""


def _tail(path: Path, lines: int = 80) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


class FuzzDatabase:
    """The server's own database: a SQLite file, or a fresh PostgreSQL database."""

    def __init__(self, tmp: Path):
        self.url = os.environ.get("DATABASE_URL", "")
        self.name = ""
        if self.url:
            self.name = f"portal_fuzz_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            self.url = urlunsplit(urlsplit(self.url)._replace(path=f"/{self.name}"))
        self.tmp = tmp

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
            connection.execute(sql)

    def create(self) -> None:
        """A migrated database: a copy of the tests' migrated template (tests/pg_template.py,
        tests/sqlite_template.py), so that SETUP's migrate finds nothing left to do."""
        if self.name:
            from tests.pg_template import migrated_template

            template = migrated_template(os.environ["DATABASE_URL"])
            self._admin(f'CREATE DATABASE "{self.name}" TEMPLATE "{template}"')
        else:
            from tests.sqlite_template import migrated_copy

            migrated_copy(self.tmp / "test.sqlite3")  # portal.settings.test: VAR_DIR/test.sqlite3

    def drop(self) -> None:
        if self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def environ(self) -> dict[str, str]:
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = "tests.api.fuzz_server_settings"
        env["PORTAL_VAR_DIR"] = str(self.tmp)  # SQLite file, media, static
        env["PORTAL_FUZZ_CACHE_PREFIX"] = f"fuzz-{uuid.uuid4().hex[:8]}"  # Redis keys
        if self.name:
            env["DATABASE_URL"] = self.url
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        return env


class LiveServer:
    """gunicorn serving the project on a free port of 127.0.0.1 (it picks the port itself:
    port 0, then the address read from its log, so two test runs never race for a port)."""

    def __init__(self, env: dict[str, str], log: Path):
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "portal.wsgi",
                "--bind",
                "127.0.0.1:0",
                "--workers",
                str(fuzz_settings.LIVE_WORKERS),
                "--timeout",
                str(fuzz_settings.LIVE_REQUEST_TIMEOUT),
                "--graceful-timeout",
                "5",
            ],
            cwd=fuzz_settings.ROOT,
            env=self.env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stop() ends the workers too
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + fuzz_settings.LIVE_READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited ({self.process.returncode}):\n{_tail(self.log)}")
            if not self.url:
                found = re.search(r"Listening at: (http://127\.0\.0\.1:\d+)", _tail(self.log))
                self.url = found.group(1) if found else ""
            if self.url:
                try:
                    with urllib.request.urlopen(self.url + SCHEMA_PATH, timeout=10) as response:
                        if response.status == 200:
                            return
                except (urllib.error.URLError, OSError):
                    pass
            time.sleep(0.5)
        limit = fuzz_settings.LIVE_READY_TIMEOUT
        pytest.fail(f"gunicorn not ready in {limit} s:\n{_tail(self.log)}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)

    def post_json(self, path: str, data: dict) -> dict:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(data).encode(),
            headers={"Content-Type": "application/json", "User-Agent": "schemathesis-live"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            pytest.fail(f"POST {path}: {error.code} {error.read()[:500]!r}")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """The demo data served by gunicorn; stopped (and its database dropped) at the end."""
    tmp = tmp_path_factory.mktemp("fuzz-live")
    database = FuzzDatabase(tmp)
    env = database.environ()
    server = LiveServer(env, tmp / "gunicorn.log")
    timings = {}
    database.create()
    try:
        started = time.monotonic()
        setup = subprocess.run(
            [sys.executable, "-c", SETUP],
            cwd=fuzz_settings.ROOT,
            env={**env, "PORTAL_FUZZ_SETUP": "1"},  # search index built once, at the end
            capture_output=True,
            text=True,
            timeout=fuzz_settings.LIVE_SETUP_TIMEOUT,
        )
        assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-5000:]
        timings["setup"] = time.monotonic() - started
        server.start()
        server.wait_until_ready()
        timings["ready"] = time.monotonic() - started
        server.timings = timings
        yield server
    finally:
        server.stop()
        database.drop()


def _login(server: LiveServer, email: str, password: str) -> str:
    document = server.post_json(
        "/_allauth/app/v1/auth/login", {"email": email, "password": password}
    )
    return document["meta"]["session_token"]


def _throwaway_token(server: LiveServer) -> str:
    """Sign up a new account through the app's headless sign-up, as a phone would."""
    email = f"fuzz-{uuid.uuid4().hex[:10]}@example.cn"
    document = server.post_json(
        "/_allauth/app/v1/auth/signup",
        {
            "email": email,
            "password": "fuzz-throwaway-2026",
            "display_name": "模糊测试",
            "privacy_consent": True,
        },
    )
    token = document.get("meta", {}).get("session_token")
    return token or _login(server, email, "fuzz-throwaway-2026")


def _schemathesis(server: LiveServer, tmp: Path, *options: str) -> str:
    """`schemathesis run` with the repository's configuration; returns its output, failing
    the test with that output when it found anything."""
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(fuzz_settings.CONFIG_FILE),
        "--no-color",
        "run",
        server.url + SCHEMA_PATH,
        "--workers",
        str(fuzz_settings.LIVE_WORKERS),
        "--phases",
        fuzz_settings.LIVE_PHASES,
        "--max-examples",
        str(fuzz_settings.MAX_EXAMPLES),
        "--request-timeout",
        str(fuzz_settings.LIVE_REQUEST_TIMEOUT),
        *options,
    ]
    try:
        result = subprocess.run(
            command,
            cwd=tmp,  # schemathesis keeps its crash files in ./.schemathesis/
            env={**os.environ, "COLUMNS": "120"},
            capture_output=True,
            text=True,
            timeout=fuzz_settings.LIVE_RUN_TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"schemathesis did not finish in {error.timeout} s:\n{error.stdout}")
    output = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"schemathesis found failures ({' '.join(options)}):\n{output}\n"
        f"--- the server's log ---\n{_tail(server.log, 200)}"
    )
    assert re.search(r"\d+ generated, \d+ passed", output), output
    return output


def test_every_operation_conforms_on_a_live_server_with_demo_data(demo_server, tmp_path):
    from portal.demo import DEMO_PASSWORD

    started = time.monotonic()
    exclude = [
        option for path in fuzz_settings.SESSION_ENDING_PATHS for option in ("--exclude-path", path)
    ]
    include = [
        option for path in fuzz_settings.SESSION_ENDING_PATHS for option in ("--include-path", path)
    ]
    runs = {
        "anonymous": lambda: (),
        "resident": lambda: (
            "--header",
            f"X-Session-Token: {_login(demo_server, DEMO_RESIDENT, DEMO_PASSWORD)}",
            *exclude,
        ),
        "throwaway": lambda: (
            "--header",
            f"X-Session-Token: {_throwaway_token(demo_server)}",
            *include,
        ),
    }
    outputs, timings = {}, dict(demo_server.timings)
    for name, options in runs.items():  # in this order: the login-ending operations last
        run_started = time.monotonic()
        outputs[name] = _schemathesis(demo_server, tmp_path, *options())
        timings[name] = time.monotonic() - run_started
    # The resident's token worked: schemathesis warns when an operation only ever got 401/403.
    assert "Authentication failed" not in outputs["resident"], outputs["resident"]
    # Every operation of the schema was selected by one of the runs with a token.
    selected = [
        int(re.search(r"Selected: (\d+)/(\d+)", outputs[run]).group(1))
        for run in ("resident", "throwaway")
    ]
    total = int(re.search(r"Selected: \d+/(\d+)", outputs["anonymous"]).group(1))
    assert sum(selected) == total >= 50, (selected, total)
    assert f"Selected: {total}/{total}" in outputs["anonymous"]
    timings["fuzzing"] = time.monotonic() - started
    print("live fuzzing times (s):", {k: round(v, 1) for k, v in timings.items()})
