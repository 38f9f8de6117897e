"""A migrated SQLite database that the SQLite test databases are copied from.

Migrating from nothing takes 25–35 s of one core, and the newcomer's pass did it four times:
once in each pytest-xdist worker, once for the browser journeys and once for the live
server of the contract fuzzing. `migrated_copy(path)` keeps one migrated file per digest of the
migrations and the installed packages (sqlite-<digest>.sqlite3, the same digest as PostgreSQL's
template, tests/pg_template.py), in the user's cache folder (~/.cache/portal/test-templates,
or $PORTAL_TEST_TEMPLATES), beside the project like uv's cache, so that every clone on the
machine shares it as it shares PostgreSQL's template (CI's fresh clone found none and spent
a minute of both workers on it): the first caller builds it under a
file lock (`manage.py migrate` in a subprocess, into a folder of its own, then renamed into
place), the others wait for it; each caller then gets a copy of its own, which Django keeps
(keepdb) and finds nothing left to migrate in. A change to a migration or a package makes a
new digest, and templates of other digests are removed once unused for a day (another clone
may be at another commit).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from cluster.run import migrations_digest
from tests.pg_template import migrate

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
TEMPLATES = Path(os.environ.get("PORTAL_TEST_TEMPLATES") or CACHE / "portal" / "test-templates")
STALE_AFTER = 24 * 3600  # seconds since a template of another digest was last copied


def migrated_template() -> Path:
    """The migrated template file (built if missing)."""
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    template = TEMPLATES / f"sqlite-{migrations_digest()}.sqlite3"
    with (TEMPLATES / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not template.exists():
                _build(template)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return template


def migrated_copy(path: Path) -> Path:
    """A migrated database at `path`, copied from the template."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    template = migrated_template()
    shutil.copyfile(template, path)
    with contextlib.suppress(FileNotFoundError):
        os.utime(template)  # in use: not stale for another clone's clean-up
    return path


def _build(template: Path) -> None:
    with tempfile.TemporaryDirectory(dir=TEMPLATES, prefix="building-") as building:
        # portal.settings.test without DATABASE_URL migrates VAR_DIR/test.sqlite3.
        migrate(PORTAL_VAR_DIR=building)
        # One self-contained file (the WAL folded in), written beside the template and then
        # renamed, so that a reader never sees half a template.
        built = Path(building) / "template.sqlite3"
        source = sqlite3.connect(Path(building) / "test.sqlite3")
        target = sqlite3.connect(built)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        built.replace(template)
    for stale in TEMPLATES.glob("sqlite-*.sqlite3"):
        with contextlib.suppress(FileNotFoundError):
            if stale != template and time.time() - stale.stat().st_mtime > STALE_AFTER:
                stale.unlink()
