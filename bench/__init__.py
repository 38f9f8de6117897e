"""Benchmark harness: serves the portal with gunicorn and measures it with wrk (see README.md)."""
