"""Load test of case submission (随手拍, without photos): N reports from many logged-in
residents at once against a running server (e.g. 2 gunicorn workers on PostgreSQL). Prints
reports per second and checks that none was lost: the answers that accepted a report (the
redirect to the new case) equal the new Case rows, one per resident, no duplicates.

    manage.py bench_case_reports --base-url http://127.0.0.1:8112 --reports 2000 --threads 12
    manage.py bench_case_reports --client wrk --reports 3000 --seconds 10

`--client python` (default) sends every report from Python threads and times them all;
`--client wrk` lets wrk (2 threads, `--threads` connections, bench/wrk_case_reports.lua) post
as many of the prepared reports as the server takes in `--seconds`: wrk needs a fraction of
the CPU that Python's client does, which matters when client and server share two cores.

Each resident reports once, so the per-account rate limit (CASES_REPORT_RATE_LIMIT) is never
what is measured. The residents and their cases stay in the database (a bench database).
"""

import json
import secrets
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from cases.models import Case, CaseCategory, CaseEvent
from portal.models import Grid, User

WRK_SCRIPT = Path(settings.BASE_DIR) / "bench" / "wrk_case_reports.lua"


class Command(BaseCommand):
    help = "Measure case reports per second against a running server, and check none is lost."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8112")
        parser.add_argument("--reports", type=int, default=2000)
        parser.add_argument("--threads", type=int, default=12, help="clients (connections)")
        parser.add_argument("--client", choices=["python", "wrk"], default="python")
        parser.add_argument("--seconds", type=int, default=10, help="wrk's run time")
        parser.add_argument(
            "--max-seconds", type=float, default=300, help="stop sending after this long"
        )

    def handle(self, *args, base_url, reports, threads, client, seconds, max_seconds, **options):
        run = secrets.token_hex(4)
        prepared = self._prepare(run, reports)
        url = f"{base_url.rstrip('/')}/cases/report/"
        before = Case.objects.count()
        if client == "wrk":
            sent, accepted, elapsed, statuses = self._send_wrk(url, prepared, threads, seconds)
        else:
            sent, accepted, elapsed, statuses = self._send_python(
                url, base_url, prepared, threads, max_seconds
            )
        self._report(run, before, sent, accepted, elapsed, statuses, threads, len(prepared))

    def _prepare(self, run: str, reports: int) -> list[tuple[str, str, str]]:
        """One resident with a logged-in session per report: (session key, CSRF, body)."""
        grids = list(Grid.objects.order_by("pk").values_list("pk", flat=True))
        categories = list(
            CaseCategory.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        )
        if not grids or not categories:
            raise CommandError("Needs grids and active case categories (load_demo_data).")
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(
                    email=f"report-{run}-{n}@example.cn",
                    password=password,
                    display_name=f"压测{n}",
                    home_grid_id=grids[n % len(grids)],
                )
                for n in range(reports)
            ]
        )
        store = import_module(settings.SESSION_ENGINE).SessionStore
        prepared = []
        for n, user in enumerate(users):
            session = store()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            csrf = secrets.token_hex(16)
            body = urlencode(
                {
                    "csrfmiddlewaretoken": csrf,
                    "category": categories[n % len(categories)],
                    "grid": grids[n % len(grids)],
                    "description": f"楼道灯不亮了，晚上出入不方便（压测 {run} 第 {n} 件）。",
                    "address": "3 号楼 2 单元门口",
                }
            )
            prepared.append((session.session_key, csrf, body))
        return prepared

    def _send_python(self, url, base_url, prepared, threads, max_seconds):
        queue = list(prepared)
        lock = threading.Lock()
        statuses: dict[int, int] = {}
        barrier = threading.Barrier(threads)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        deadline = [0.0]

        def worker():
            barrier.wait()
            while True:
                with lock:
                    if not queue or time.perf_counter() > deadline[0]:
                        return
                    session_key, csrf, body = queue.pop()
                code = _post(opener, url, base_url, session_key, csrf, body)
                with lock:
                    statuses[code] = statuses.get(code, 0) + 1

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        began = time.perf_counter()
        deadline[0] = began + max_seconds
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - began
        return sum(statuses.values()), statuses.get(302, 0), elapsed, statuses

    def _send_wrk(self, url, prepared, threads, seconds):
        with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as file:
            for row in prepared:
                file.write("\t".join(row) + "\n")
        wrk_threads = 2
        try:
            result = subprocess.run(
                ["wrk", f"-t{wrk_threads}", f"-c{max(threads, wrk_threads)}", f"-d{seconds}s"]
                + ["--timeout", "30s", "-s", str(WRK_SCRIPT), url, "--", file.name]
                + [str(wrk_threads)],
                capture_output=True,
                text=True,
                timeout=seconds + 60,
                check=False,
            )
        finally:
            Path(file.name).unlink(missing_ok=True)
        line = next((x for x in result.stdout.splitlines() if x.startswith("CASE_REPORTS ")), None)
        if line is None:
            raise CommandError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
        data = json.loads(line.split(" ", 1)[1])
        if data["sent"] >= len(prepared):
            self.stderr.write("Every prepared report was sent: the rate is a lower bound.")
        statuses = {302: data["accepted"], "other": data["other"]}
        statuses["socket errors"] = data["socket_errors"]
        return data["sent"], data["accepted"], data["duration_us"] / 1e6, statuses

    def _report(self, run, before, sent, accepted, elapsed, statuses, threads, prepared):
        # Give a request wrk gave up on at the end time to finish before counting.
        time.sleep(2)
        mine = Case.objects.filter(reporter__email__startswith=f"report-{run}-")
        created = mine.count()
        duplicates = (
            mine.values("reporter_id").annotate(n=Count("id")).filter(n__gt=1).count()
            + mine.values("number").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        events = CaseEvent.objects.filter(case__in=mine).count()
        self.stdout.write(
            f"{accepted} reports accepted in {elapsed:.2f}s = {accepted / elapsed:.0f}/s "
            f"({threads} clients, {sent} of {prepared} prepared sent); responses {statuses}; "
            f"new cases {created} (all cases {before} -> {Case.objects.count()}), "
            f"history rows {events}; lost {max(accepted - created, 0)}, "
            f"unanswered-but-created {max(created - accepted, 0)}, duplicates {duplicates}"
        )


def _post(opener, url, base_url, session_key, csrf, body) -> int:
    request = urllib.request.Request(
        url,
        data=body.encode(),
        headers={
            "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": base_url,
        },
    )
    try:
        return opener.open(request, timeout=60).status
    except urllib.error.HTTPError as error:
        return error.code
    except Exception:  # noqa: BLE001 - counted as a failure
        return 0
