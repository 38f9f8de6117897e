"""Settings the benchmark serves the portal with: production, unchanged, plus one URL.

The only difference from `portal.settings.production` is the URLconf, which puts the
ceiling view (bench/ceiling.py) in front of the portal's own URLs. Pages and the ceiling
therefore run in the same gunicorn workers, with the same middleware, cache and database.
"""

from portal.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
