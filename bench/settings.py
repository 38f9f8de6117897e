"""Settings the benchmark serves the portal with: production, plus one URL and no API limit.

The differences from `portal.settings.production`: the URLconf, which puts the ceiling view
(bench/ceiling.py) in front of the portal's own URLs, so that pages and the ceiling run in the
same gunicorn workers, with the same middleware, cache and database; and the API's rate limit.
"""

from portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# wrk sends every request from one address: the API's per-address limit (300 a minute) would
# answer 429 after the first second and the API rows would measure refusals. The limit is
# still counted through the cache on every request (the same cost), it is never reached.
API_RATE_LIMIT = (10**9, 60)
