"""The report: the environment of a run and the results as a terminal table and Markdown."""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from pathlib import Path

from bench.common import SETTINGS, WRK, git, log
from bench.database import Database


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
        "server": f"gunicorn {args.workers} {_workers_kind(args)}, {SETTINGS} "
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


def query_columns(count: dict) -> dict:
    """The query-count columns of a row, from bench/query_counts.py's answer for its URL."""
    return {
        "status": count.get("status"),
        "queries_warm": count.get("queries_warm"),
        "queries_cold": count.get("queries_cold"),
        "error": count.get("error", ""),
    }


def log_row(row: dict) -> None:
    cells = table_rows([row])[0]
    socket_errors = row["socket_errors_total"]
    log(
        f"  {row['name']:<24} {cells[2]:>8} req/s  p50 {cells[3]:>7} ms  "
        f"p99 {cells[4]:>7} ms  alone {cells[5]:>6} ms  non-2xx {row['non2xx']}"
        + (f"  socket errors/timeouts {socket_errors}" if socket_errors else "")
    )


def ceiling_ratios(rows: list[dict], *, ceiling_path: str) -> dict:
    """Each row's req/s as a share of the mean ceiling; the summary's ceiling figures."""
    ceilings = [r["rps"] for r in rows if r["url"] == ceiling_path]
    ceiling_rps = sum(ceilings) / len(ceilings)
    for row in rows:
        row["ratio"] = row["rps"] / ceiling_rps if ceiling_rps else None
    spread = (max(ceilings) - min(ceilings)) / ceiling_rps if ceiling_rps else 0
    if spread > 0.25:
        log(
            f"WARNING: the two ceiling runs differ by {spread:.0%}: the machine's load changed "
            "during the run, so the ratios are uncertain by about as much."
        )
    return {"ceiling_rps": round(ceiling_rps, 1), "ceiling_spread": f"{spread:.0%}"}


def write_results(summary: dict, rows: list[dict], results_dir: Path, tag: str) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    json_text = json.dumps(summary, ensure_ascii=False, indent=2)
    md_text = markdown(summary, rows)
    for name, text in ((f"{tag}.json", json_text), (f"{tag}.md", md_text)):
        (results_dir / name).write_text(text)
    (results_dir / "latest.json").write_text(json_text)
    (results_dir / "latest.md").write_text(md_text)


def print_results(summary: dict, rows: list[dict]) -> None:
    print()
    keys = ("commit", "database", "scale", "visitor", "page_cache", "bench_data", "server")
    keys += ("load", "ceiling", "cpus")
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


def _workers_kind(args) -> str:
    if args.worker_threads > 1:
        return f"gthread workers of {args.worker_threads} threads"
    return "sync workers"
