"""SQL queries per request for each benchmarked URL, measured once with Django's test client.

Run by bench/run.py in a subprocess with the same environment as gunicorn (settings,
database, cache). Reads {"urls": [{"name", "url"}, ...], "cookies": {name: value}} as JSON
on stdin (the cookies: the session of the logged-in run) and prints, as JSON, for each
URL: the status code, the queries of the first (cold) request and of a second (warm) one. The
warm count is what a busy worker pays on every request; the cold one includes what is cached
afterwards (site root paths, settings).
"""

import json
import os
import sys
from pathlib import Path


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    plan = json.load(sys.stdin)
    client = Client(HTTP_HOST="127.0.0.1")
    for name, value in plan.get("cookies", {}).items():
        client.cookies[name] = value
    results = []
    for item in plan["urls"]:
        counts = []
        status = None
        error = ""
        for _ in range(2):
            try:
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(item["url"])
                status = response.status_code
                counts.append(len(captured.captured_queries))
            except Exception as exc:  # noqa: BLE001 - reported in the table, not raised
                error = f"{type(exc).__name__}: {exc}"
                counts.append(None)
        results.append(
            {
                "url": item["url"],
                "status": status,
                "queries_cold": counts[0],
                "queries_warm": counts[1],
                "error": error,
            }
        )
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
