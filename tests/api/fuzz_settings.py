"""Settings shared by the API's contract fuzzing (issue #14): the in-process run
(test_schema_fuzz.py) and the run against a live server with demo data
(test_schema_fuzz_live.py).

The checks and the number of examples come from the repository's schemathesis.toml, the file
`schemathesis run` reads too, so the three ways of fuzzing hold the API to one contract.
Environment variables lower the bounds on a slow machine (never the checks)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONFIG_FILE = ROOT / "schemathesis.toml"
CONFIG = tomllib.loads(CONFIG_FILE.read_text(encoding="utf-8"))

# The checks schemathesis.toml enables: every answer a non-5xx whose status, content type,
# headers and body the schema declares.
CHECK_NAMES = tuple(
    name
    for name, value in CONFIG["checks"].items()
    if isinstance(value, dict) and value.get("enabled")
)

# Valid requests per operation and caller (schemathesis.toml's max-examples), and malformed
# ones (the in-process run draws them separately).
MAX_EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", CONFIG["generation"]["max-examples"]))
NEGATIVE_EXAMPLES = int(os.environ.get("API_FUZZ_NEGATIVE_EXAMPLES", "4"))

# Operations that end the caller's login (revoking a device, deleting the account): they run
# last, so the other operations keep the token (in the live run, by a throwaway account).
SESSION_ENDING = ("DELETE /api/v1/me/devices/{device_id}", "POST /api/v1/me/delete")
SESSION_ENDING_PATHS = tuple(label.split(" ", 1)[1] for label in SESSION_ENDING)

# The live run: concurrent requests (as many as the server's workers), a per-request time
# limit for a loaded machine, and the phases of `schemathesis run` (examples: the schema has
# none; coverage: boundary and malformed values of every parameter; fuzzing: generated
# requests; stateful: sequences along the links schemathesis infers).
LIVE_WORKERS = 2
LIVE_REQUEST_TIMEOUT = 60
LIVE_PHASES = os.environ.get("API_FUZZ_LIVE_PHASES", "examples,coverage,fuzzing,stateful")
# Time limits of the live run's steps (seconds): they end a hung step, not a slow one.
LIVE_SETUP_TIMEOUT = 600
LIVE_READY_TIMEOUT = 90
LIVE_RUN_TIMEOUT = 900


def checks() -> list:
    """The enabled checks as schemathesis check functions (for the in-process run)."""
    import schemathesis.specs.openapi.checks  # noqa: F401 - registers the OpenAPI checks
    from schemathesis.checks import CHECKS

    return CHECKS.get_by_names(list(CHECK_NAMES))


def operation_order(label: str) -> tuple[bool, str]:
    """Sort key: the operations that end the login last."""
    return (label in SESSION_ENDING, label)
