"""The load: wrk against one URL, and requests one at a time."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from bench.common import WRK, WRK_SCRIPT, BenchError


def wrk(
    url: str, duration: float, threads: int, connections: int, headers: dict | None = None
) -> dict:
    command = [
        WRK,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={max(1, round(duration))}s",
        "--timeout=10s",
        "--latency",
        f"--script={WRK_SCRIPT}",
        *(f"--header={name}: {value}" for name, value in (headers or {}).items()),
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


def one_at_a_time(url: str, count: int, headers: dict | None = None) -> dict:
    """COUNT requests one after the other: the time one visitor waits when nobody else is
    being served (wrk's latencies include the wait for a free worker)."""
    times = []
    statuses = []
    # The first request waits behind the connections wrk left in the listen queue (gunicorn
    # still serves them after wrk has gone): it drains the queue and is not counted.
    for n in range(count + 1):
        started = time.perf_counter()
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=30) as response:
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


def measure(args, item: dict, url: str, headers: dict | None = None) -> dict:
    """One URL under load (after a warm-up), then one request at a time: a result row.
    `headers` go with every request (the session cookie of the logged-in run)."""
    if args.warmup:
        wrk(url, args.warmup, args.threads, args.connections, headers)
    result = wrk(url, args.duration, args.threads, args.connections, headers)
    alone = one_at_a_time(url, args.alone, headers) if args.alone else None
    errors = result["errors"]
    return {
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
        "socket_errors": errors,
        "socket_errors_total": sum(errors[k] for k in ("connect", "read", "write", "timeout")),
    }
