"""Load test of case submission (随手拍, without photos): N reports from many logged-in
residents at once against a running server (e.g. 2 gunicorn workers on PostgreSQL). Prints
reports per second and checks that none was lost: the answers that accepted a report (the
redirect to the new case) equal the new Case rows, one per resident, no duplicates.

    manage.py bench_case_reports --base-url http://127.0.0.1:8112 --reports 2000 --threads 12

Each resident reports once, so the per-account rate limit (CASES_REPORT_RATE_LIMIT) is never
what is measured. The residents and their cases stay in the database (a bench database).
"""

import secrets
import threading
import time
import urllib.error
import urllib.request
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from cases.models import Case, CaseCategory, CaseEvent
from portal.models import Grid, User


class Command(BaseCommand):
    help = "Measure case reports per second against a running server, and check none is lost."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8112")
        parser.add_argument("--reports", type=int, default=2000)
        parser.add_argument("--threads", type=int, default=12)
        parser.add_argument(
            "--max-seconds", type=float, default=300, help="stop sending after this long"
        )

    def handle(self, *args, base_url, reports, threads, max_seconds, **options):
        grids = list(Grid.objects.order_by("pk").values_list("pk", flat=True))
        categories = list(
            CaseCategory.objects.filter(is_active=True).order_by("pk").values_list("pk", flat=True)
        )
        if not grids or not categories:
            raise CommandError("Needs grids and active case categories (load_demo_data).")
        run = secrets.token_hex(4)
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
        queue = []
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
            ).encode()
            queue.append((session.session_key, csrf, body))
        url = f"{base_url.rstrip('/')}/cases/report/"
        before = Case.objects.count()
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
                request = urllib.request.Request(
                    url,
                    data=body,
                    headers={
                        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Referer": base_url,
                    },
                )
                try:
                    code = opener.open(request, timeout=60).status
                except urllib.error.HTTPError as error:
                    code = error.code
                except Exception:  # noqa: BLE001 - counted as a failure
                    code = 0
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
        sent = sum(statuses.values())
        accepted = statuses.get(302, 0)
        mine = Case.objects.filter(reporter__email__startswith=f"report-{run}-")
        created = mine.count()
        duplicates = (
            mine.values("reporter_id").annotate(n=Count("id")).filter(n__gt=1).count()
            + mine.values("number").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        events = CaseEvent.objects.filter(case__in=mine).count()
        self.stdout.write(
            f"{sent} reports in {elapsed:.2f}s = {sent / elapsed:.0f}/s "
            f"({threads} clients); responses {statuses}; "
            f"accepted (302) {accepted}, new cases {created} "
            f"(all cases {before} -> {Case.objects.count()}), history rows {events}; "
            f"lost {max(accepted - created, 0)}, unanswered-but-created "
            f"{max(created - accepted, 0)}, duplicates {duplicates}"
        )
