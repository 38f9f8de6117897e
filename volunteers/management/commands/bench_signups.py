"""Load test of one hot shift: N logged-in people post sign-ups at once against a running
server (e.g. 2 gunicorn workers on PostgreSQL). Prints sign-ups per second and checks that
no more people are confirmed than the shift has places.

    manage.py bench_signups --base-url http://127.0.0.1:8103 --people 400 --capacity 50
"""

import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.backends.db import SessionStore
from django.core.management.base import BaseCommand
from django.utils import timezone

from portal.models import Grid, User
from volunteers.models import Shift, SignUp


class Command(BaseCommand):
    help = "Measure sign-ups per second for one hot shift against a running server."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8103")
        parser.add_argument("--people", type=int, default=400)
        parser.add_argument("--capacity", type=int, default=50)
        parser.add_argument("--threads", type=int, default=32)

    def handle(self, *args, base_url, people, capacity, threads, **options):
        grid = Grid.objects.order_by("code").first()
        start = timezone.now() + timedelta(days=2)
        shift = Shift.objects.create(
            grid=grid,
            title="热门班次（压测）",
            place="网格服务站",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            signup_deadline=start,
            capacity=capacity,
            members_only=False,
        )
        run = secrets.token_hex(4)
        password = make_password(None)
        users = User.objects.bulk_create(
            [
                User(email=f"hot-{run}-{n}@example.cn", password=password, display_name=f"压测{n}")
                for n in range(people)
            ]
        )
        cookies = []
        for user in users:
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            csrf = secrets.token_hex(16)
            cookies.append((session.session_key, csrf))
        url = f"{base_url.rstrip('/')}/volunteers/shifts/{shift.pk}/sign-up/"
        queue = list(cookies)
        lock = threading.Lock()
        statuses: dict[int, int] = {}
        barrier = threading.Barrier(threads)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *a, **k):
                return None

        opener = urllib.request.build_opener(NoRedirect)

        def worker():
            barrier.wait()
            while True:
                with lock:
                    if not queue:
                        return
                    session_key, csrf = queue.pop()
                request = urllib.request.Request(
                    url,
                    data=f"csrfmiddlewaretoken={csrf}".encode(),
                    headers={
                        "Cookie": f"sessionid={session_key}; csrftoken={csrf}",
                        "Content-Type": "application/x-www-form-urlencoded",
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
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - began
        confirmed = SignUp.objects.filter(shift=shift, status=SignUp.Status.CONFIRMED).count()
        waitlisted = SignUp.objects.filter(shift=shift, status=SignUp.Status.WAITLISTED).count()
        self.stdout.write(
            f"{people} sign-ups in {elapsed:.2f}s = {people / elapsed:.0f}/s; "
            f"responses {statuses}; "
            f"confirmed {confirmed} (capacity {capacity}), waitlisted {waitlisted}; "
            f"over-booking: {max(confirmed - capacity, 0)}"
        )
