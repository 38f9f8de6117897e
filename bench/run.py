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

import sys
from pathlib import Path

# Run as a script (python bench/run.py), the project is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
