"""gunicorn serving the portal for the benchmark, and the check that the machine is idle."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

from bench.common import BASE_DIR, GUNICORN, HOST, VAR_DIR, BenchError, log


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
            "gthread" if args.worker_threads > 1 else "sync",
            "--threads",
            str(args.worker_threads),
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
