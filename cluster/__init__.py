"""A two-node cluster of the portal on one machine (`make cluster`, tests/cluster): HAProxy in
front of two gunicorn nodes, one PostgreSQL database and one Redis database shared by them,
one rq task worker and, when moto is installed, an S3 API (moto in server mode) for the
files. Everything listens on 127.0.0.1. See cluster/run.py and docs/deploy.md."""
