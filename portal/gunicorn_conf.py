"""gunicorn's settings for a web node: `gunicorn -c python:portal.gunicorn_conf portal.wsgi`.

Every value can be changed by the environment, so one file serves a laptop, the benchmark and
each node of a cluster (docs/deploy.md). gunicorn's own command-line options still win.
"""

import os

# Where the node listens: loopback by default, the balancer (HAProxy) reaches it there or on a
# private address (GUNICORN_BIND=10.0.0.11:8000).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes and threads. Each worker holds one persistent PostgreSQL connection per thread
# (CONN_MAX_AGE 60 s with health checks), so workers × threads × nodes must stay below the
# database's max_connections (or a pooler's size) with room for the task workers and cron.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A request that runs longer than this is killed and logged: slow work belongs in a task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then, so a slow leak cannot grow without bound; the jitter keeps the
# workers of one node from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500

# Only the balancer's address may set X-Forwarded-* (Django trusts them only with
# DJANGO_BEHIND_PROXY=1 as well).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# gunicorn 27 otherwise opens a control socket under ~/.gunicorn/, which a service account
# may not be able to create.
control_socket_disable = True
