"""Settings of the cluster's processes (cluster/run.py): production, with the few knobs the
cluster's checks turn (tests/cluster). Each knob is read from the environment, so a developer's
`make cluster` runs with production's values.

- static files from the app folders (no `collectstatic` before each start);
- CLUSTER_API_RATE_LIMIT: the API's requests per token and minute (production: 300);
- CLUSTER_FAST_PASSWORDS=1: a fast password hash, so that logging in many test accounts
  costs no CPU the checks need;
- CLUSTER_EXPORT_ROW_DELAY (seconds per row) and CLUSTER_EXPORT_STALE_AFTER (seconds): a
  slow export, and a short wait before a dead run's job is taken over, so that the worker
  can be killed in the middle of a job and the job resumed within the test's time.
"""

import os

from portal.settings.production import *  # noqa: F403

STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
WHITENOISE_USE_FINDERS = True

if os.environ.get("CLUSTER_API_RATE_LIMIT"):
    API_RATE_LIMIT = (int(os.environ["CLUSTER_API_RATE_LIMIT"]), 60)
if os.environ.get("CLUSTER_CASES_REPORT_RATE_LIMIT"):
    CASES_REPORT_RATE_LIMIT = (int(os.environ["CLUSTER_CASES_REPORT_RATE_LIMIT"]), 3600)
if os.environ.get("CLUSTER_FAST_PASSWORDS") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if os.environ.get("CLUSTER_EXPORT_ROW_DELAY"):
    EXPORTS_ROW_DELAY = float(os.environ["CLUSTER_EXPORT_ROW_DELAY"])
if os.environ.get("CLUSTER_EXPORT_STALE_AFTER"):
    EXPORTS_STALE_AFTER = int(os.environ["CLUSTER_EXPORT_STALE_AFTER"])
