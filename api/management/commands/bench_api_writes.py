"""Load test of the API's creates (issue #14: "sign-ups and survey submissions through the API
sustain at least 200 per second with zero lost or duplicated"), against a running server,
e.g. 2 gunicorn workers on PostgreSQL started as bench/run.py starts them:

    manage.py bench_api_writes --kind signup --base-url http://127.0.0.1:8112 --requests 2000
    manage.py bench_api_writes --kind survey --base-url http://127.0.0.1:8112 --requests 2000

It creates new residents (one create each) and their targets: `--shifts` new shifts with
`--capacity` places (sign-ups beyond capacity go to the waitlist), or one new open survey.
The first `--logins` residents log in as the phone app does (POST
/_allauth/app/v1/auth/login, then the returned session token); the others get their session
(= allauth's session token) written directly, as bench_case_reports does, so that password
hashing is not what is measured. Every request carries `X-Session-Token` and an
`Idempotency-Key`; a share of them (`--repeat-share`) is sent twice at the same moment with
the same key, as an app retrying after a timeout would.

Then it checks the database against the answers: one row per resident whose create was
answered 2xx, no row without such an answer ("lost" / "created but unanswered"), no resident
with two rows, the same body for a request and its retry, and (sign-ups) no shift with more
confirmed places than its capacity. `--profile` first sends two creates in-process and prints
the second's SQL queries and where its time goes. The residents, shifts and survey stay in the
database (use a bench database).
"""

from __future__ import annotations

import cProfile
import datetime
import io
import json
import pstats
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.models import Grid, User

LOGIN_PATH = "/_allauth/app/v1/auth/login"
PASSWORD = "bench-api-writes-2026"


@dataclass
class Job:
    user_id: int
    token: str
    url: str
    body: bytes
    key: str


@dataclass
class Answer:
    user_id: int
    status: int
    replayed: bool
    body: bytes


@dataclass
class Verdict:
    """What the database holds compared with what the server answered."""

    sent: int
    statuses: dict[int, int]
    accepted: int  # residents with at least one 2xx answer
    rows: int  # rows created for the run's residents
    lost: int  # accepted, but no row
    unanswered: int  # a row, but no 2xx answer
    duplicated: int  # residents with more than one row
    replay_mismatch: int  # residents whose 2xx answers differ
    replayed: int  # answers marked Idempotent-Replayed
    overbooked: int = 0  # confirmed places beyond capacity, over all shifts
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(answers: list[Answer], rows: list[tuple[int, int]], *, overbooked: int = 0) -> Verdict:
    """Compare the answers (one per request sent) with the rows created, as (resident id,
    row id) pairs: every accepted resident has exactly one row, every row an accepted
    resident, and a retry answered the same body as the first request."""
    statuses = Counter(a.status for a in answers)
    bodies: dict[int, set[bytes]] = defaultdict(set)
    for answer in answers:
        if 200 <= answer.status < 300:
            bodies[answer.user_id].add(answer.body)
    per_user = Counter(user_id for user_id, _row in rows)
    accepted = set(bodies)
    verdict = Verdict(
        sent=len(answers),
        statuses=dict(sorted(statuses.items())),
        accepted=len(accepted),
        rows=len(rows),
        lost=len(accepted - set(per_user)),
        unanswered=len(set(per_user) - accepted),
        duplicated=sum(1 for n in per_user.values() if n > 1),
        replay_mismatch=sum(1 for b in bodies.values() if len(b) > 1),
        replayed=sum(1 for a in answers if a.replayed),
        overbooked=overbooked,
    )
    for name in ("lost", "unanswered", "duplicated", "replay_mismatch", "overbooked"):
        if getattr(verdict, name):
            verdict.problems.append(f"{name} {getattr(verdict, name)}")
    failed = sum(n for status, n in statuses.items() if not 200 <= status < 300)
    if failed:
        verdict.problems.append(f"non-2xx {failed}")
    return verdict


class Target:
    """What the residents create: sign-ups on new shifts, or responses to a new survey."""

    kind = ""

    def url(self, n: int) -> str:
        raise NotImplementedError

    def body(self, n: int) -> bytes:
        return b""

    def rows(self) -> list[tuple[int, int]]:
        raise NotImplementedError

    def overbooked(self) -> int:
        return 0

    def describe(self) -> str:
        raise NotImplementedError


class SignUps(Target):
    kind = "signup"

    def __init__(self, run: str, *, shifts: int, capacity: int):
        from volunteers.models import Shift

        grid = Grid.objects.order_by("code").first()
        start = timezone.now() + datetime.timedelta(days=2)
        self.capacity = capacity
        self.shifts = [
            Shift.objects.create(
                grid=grid,
                title=f"接口压测班次 {run}-{n}",
                place="网格服务站",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=2),
                signup_deadline=start,
                capacity=capacity,
                members_only=False,
            )
            for n in range(shifts)
        ]

    def url(self, n: int) -> str:
        shift = self.shifts[n % len(self.shifts)]
        return reverse("api:volunteer_sign_up", args=[shift.pk])

    def rows(self) -> list[tuple[int, int]]:
        from volunteers.models import SignUp

        return list(
            SignUp.objects.filter(shift__in=self.shifts).values_list("user_id", "pk").order_by()
        )

    def confirmed(self) -> dict[int, int]:
        from django.db.models import Count

        from volunteers.models import SignUp

        return dict(
            SignUp.objects.filter(shift__in=self.shifts, status=SignUp.Status.CONFIRMED)
            .values_list("shift_id")
            .annotate(n=Count("pk"))
            .order_by()
        )

    def overbooked(self) -> int:
        return sum(max(n - self.capacity, 0) for n in self.confirmed().values())

    def describe(self) -> str:
        from volunteers.models import SignUp

        waitlisted = SignUp.objects.filter(
            shift__in=self.shifts, status=SignUp.Status.WAITLISTED
        ).count()
        return (
            f"{len(self.shifts)} shifts of {self.capacity} places: "
            f"confirmed {sum(self.confirmed().values())}, waitlisted {waitlisted}"
        )


class SurveyResponses(Target):
    kind = "survey"

    def __init__(self, run: str):
        from surveys.demo import ELDERLY, make_survey
        from surveys.models import SurveyIndexPage, SurveyPage

        index = SurveyIndexPage.objects.first()
        if index is None:
            raise CommandError("Needs a survey index page (load_demo_data).")
        now = timezone.now()
        self.survey = make_survey(
            index,
            title=f"接口压测问卷 {run}",
            slug=f"api-bench-{run}",
            questions=ELDERLY,
            summary="接口写入压测。",
            opens_at=now - datetime.timedelta(hours=1),
            closes_at=now + datetime.timedelta(days=7),
            login_required=True,
            results_visibility=SurveyPage.ResultsVisibility.WHILE_OPEN,
        )
        self.questions = list(self.survey.get_form_fields())

    def answers(self, n: int) -> dict:
        answers: dict = {}
        for question in self.questions:
            options = question.option_list()
            if question.is_rating:
                answers[question.clean_name] = 1 + n % 5
            elif question.is_multiple:
                answers[question.clean_name] = [options[n % len(options)]]
            elif question.is_choice:
                answers[question.clean_name] = options[n % len(options)]
            elif question.field_type == "checkbox":
                answers[question.clean_name] = bool(n % 2)
            else:
                answers[question.clean_name] = f"希望增设老年人休息座椅（压测第 {n} 份）。"
        return answers

    def url(self, n: int) -> str:
        return reverse("api:survey_submit", args=[self.survey.pk])

    def body(self, n: int) -> bytes:
        return json.dumps({"answers": self.answers(n)}, ensure_ascii=False).encode()

    def rows(self) -> list[tuple[int, int]]:
        from surveys.models import SurveyResponse

        return list(
            SurveyResponse.objects.filter(survey=self.survey)
            .values_list("user_id", "pk")
            .order_by()
        )

    def describe(self) -> str:
        from surveys.models import SurveyAnswer

        answers = SurveyAnswer.objects.filter(response__survey=self.survey).count()
        return f"survey {self.survey.pk} ({self.survey.url_path}): {answers} answer rows"


class Command(BaseCommand):
    help = "Measure API sign-ups or survey submissions per second; check none is lost or doubled."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=["signup", "survey"], required=True)
        parser.add_argument("--base-url", default="http://127.0.0.1:8112")
        parser.add_argument("--requests", type=int, default=2000, help="residents (2000)")
        parser.add_argument("--threads", type=int, default=16, help="client threads (16)")
        parser.add_argument("--shifts", type=int, default=20, help="sign-up: new shifts (20)")
        parser.add_argument(
            "--capacity", type=int, default=50, help="sign-up: places per shift (50)"
        )
        parser.add_argument(
            "--repeat-share",
            type=float,
            default=0.1,
            help="share of requests sent twice at once with the same Idempotency-Key (0.1)",
        )
        parser.add_argument(
            "--logins",
            type=int,
            default=3,
            help="residents who log in through allauth's headless app API (3)",
        )
        parser.add_argument(
            "--max-seconds", type=float, default=300, help="stop sending after this long"
        )
        parser.add_argument(
            "--client",
            choices=["python", "wrk"],
            default="python",
            help="python: threads that check every answer (the default); wrk: bench/"
            "wrk_api_writes.lua, a fraction of the client CPU, answers counted not compared",
        )
        parser.add_argument("--seconds", type=int, default=20, help="wrk: how long to send (20)")
        parser.add_argument(
            "--profile",
            action="store_true",
            help="first send one create in-process: SQL queries and the slowest functions",
        )

    def handle(self, *args, **options):
        kind, requests = options["kind"], options["requests"]
        if requests < 1 or options["threads"] < 1 or options["shifts"] < 1:
            raise CommandError("--requests, --threads and --shifts must be positive.")
        if not 0 <= options["repeat_share"] <= 1 or options["logins"] < 0:
            raise CommandError("--repeat-share must be 0–1 and --logins not negative.")
        base_url = options["base_url"].rstrip("/")
        run = secrets.token_hex(4)
        if kind == "signup":
            target: Target = SignUps(run, shifts=options["shifts"], capacity=options["capacity"])
        else:
            target = SurveyResponses(run)
        users = self._residents(run, requests + (2 if options["profile"] else 0))
        profiled = []
        if options["profile"]:
            profiled = [users.pop(), users.pop()]
            self._profile(target, profiled)
        logins = min(options["logins"], len(users))
        tokens = [self._login(base_url, user) for user in users[:logins]]
        tokens += [self._session(user) for user in users[logins:]]

        jobs: list[Job] = []
        every = round(1 / options["repeat_share"]) if options["repeat_share"] else 0
        for n, (user, token) in enumerate(zip(users, tokens, strict=True)):
            job = Job(user.pk, token, base_url + target.url(n), target.body(n), f"{run}-{n}")
            jobs.append(job)
            if every and n % every == 0:
                jobs.append(job)  # next to its twin: two threads send both at once
        if options["client"] == "wrk":
            self._with_wrk(target, jobs, options, profiled, logins)
            return
        jobs.reverse()  # popped from the end
        answers, elapsed = self._send(jobs, options["threads"], options["max_seconds"])
        rows = [row for row in target.rows() if row[0] not in {u.pk for u in profiled}]
        verdict = check(answers, rows, overbooked=target.overbooked())
        twice = len(answers) - len({a.user_id for a in answers})
        self.stdout.write(
            f"{kind}: {verdict.sent} requests ({requests} residents, {twice} "
            f"sent twice with the same key) in {elapsed:.2f}s = {verdict.sent / elapsed:.0f} "
            f"requests/s, {verdict.rows / elapsed:.0f} creates/s ({options['threads']} client "
            f"threads, {logins} headless logins); responses {verdict.statuses}, replayed "
            f"{verdict.replayed}; accepted residents {verdict.accepted}, new rows {verdict.rows}; "
            f"lost {verdict.lost}, created-but-unanswered {verdict.unanswered}, duplicated "
            f"{verdict.duplicated}, retry answers differing {verdict.replay_mismatch}, "
            f"over-booked {verdict.overbooked}; {target.describe()}"
        )
        self.stdout.write("OK" if verdict.ok else "PROBLEMS: " + "; ".join(verdict.problems))

    # --- Residents and their tokens ---------------------------------------------------------

    def _residents(self, run: str, count: int) -> list[User]:
        grids = list(Grid.objects.order_by("pk").values_list("pk", flat=True))
        if not grids:
            raise CommandError("Needs grids (load_demo_data).")
        unusable = make_password(None)
        return User.objects.bulk_create(
            [
                User(
                    email=f"api-{run}-{n}@example.cn",
                    password=unusable,
                    display_name=f"接口压测{n}",
                    home_grid_id=grids[n % len(grids)],
                )
                for n in range(count)
            ]
        )

    @staticmethod
    def _session(user) -> str:
        """A logged-in session for `user`, as allauth's login leaves it; its key is the
        app's session token."""
        if not user:
            return ""
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return session.session_key

    def _login(self, base_url: str, user) -> str:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        request = urllib.request.Request(
            base_url + LOGIN_PATH,
            data=json.dumps({"email": user.email, "password": PASSWORD}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                data = json.load(response)
        except urllib.error.HTTPError as error:
            raise CommandError(
                f"Headless login of {user.email} answered {error.code}: {error.read()[:300]!r}"
            ) from error
        token = data.get("meta", {}).get("session_token")
        if not token:
            raise CommandError(f"Headless login gave no session token: {data!r:.300}")
        return token

    # --- Load -------------------------------------------------------------------------------

    def _send(self, jobs: list[Job], threads: int, max_seconds: float):
        lock = threading.Lock()
        answers: list[Answer] = []
        barrier = threading.Barrier(threads)
        deadline = [0.0]

        def worker():
            barrier.wait()
            while True:
                with lock:
                    if not jobs or time.perf_counter() > deadline[0]:
                        return
                    job = jobs.pop()
                request = urllib.request.Request(
                    job.url,
                    data=job.body,
                    headers={
                        "X-Session-Token": job.token,
                        "Idempotency-Key": job.key,
                        "Content-Type": "application/json",
                    },
                )
                replayed = False
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, body = response.status, response.read()
                        replayed = response.headers.get("Idempotent-Replayed") == "true"
                except urllib.error.HTTPError as error:
                    status, body = error.code, error.read()
                except Exception as error:  # noqa: BLE001 - counted as no answer
                    status, body = 0, repr(error).encode()
                with lock:
                    answers.append(Answer(job.user_id, status, replayed, body))

        pool = [threading.Thread(target=worker) for _ in range(threads)]
        began = time.perf_counter()
        deadline[0] = began + max_seconds
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        return answers, time.perf_counter() - began

    def _with_wrk(self, target: Target, jobs: list[Job], options, profiled, logins) -> None:
        """Send the jobs from wrk (each once, for --seconds) and compare the counts of its
        answers with the rows: wrk cannot tell which answer belongs to which request, so
        the check is by counts (created answers = new rows, no resident with two rows)."""
        line = run_wrk(jobs, connections=options["threads"], seconds=options["seconds"])
        data = json.loads(line)
        time.sleep(2)  # a request wrk gave up on at the end time finishes before counting
        elapsed = data["duration_us"] / 1e6
        skip = {u.pk for u in profiled}
        rows = [row for row in target.rows() if row[0] not in skip]
        per_user = Counter(user_id for user_id, _row in rows)
        duplicated = sum(1 for n in per_user.values() if n > 1)
        lost = max(data["created"] - len(rows), 0)
        unanswered = max(len(rows) - data["created"], 0)
        overbooked = target.overbooked()
        self.stdout.write(
            f"{target.kind} (wrk, {options['threads']} connections, {logins} headless logins): "
            f"{data['sent']} of {len(jobs)} prepared requests sent in {elapsed:.2f}s; "
            f"created {data['created']} = {data['created'] / elapsed:.0f}/s, replayed "
            f"{data['replayed']}, other answers {data['other']}, socket errors "
            f"{data['socket_errors']}; p50 {data['p50_us'] / 1000:.0f} ms, p99 "
            f"{data['p99_us'] / 1000:.0f} ms; new rows {len(rows)}; lost {lost}, "
            f"created-but-unanswered (in flight at wrk's end) {unanswered}, "
            f"duplicated {duplicated}, over-booked {overbooked}; {target.describe()}"
        )
        if data["sent"] >= len(jobs):
            self.stderr.write("Every prepared request was sent: the rate is a lower bound.")
        problems = [
            f"{name} {value}"
            for name, value in (
                ("lost", lost),
                # wrk stops at its end time with up to one request per connection in
                # flight: those are created but their answers are not read.
                ("unanswered beyond those in flight", max(unanswered - options["threads"], 0)),
                ("duplicated", duplicated),
                ("over-booked", overbooked),
                ("non-201", data["other"]),
                ("socket errors", data["socket_errors"]),
            )
            if value
        ]
        self.stdout.write("OK" if not problems else "PROBLEMS: " + "; ".join(problems))

    # --- One create, in-process ---------------------------------------------------------------

    def _profile(self, target: Target, users: list) -> None:
        """Two creates in-process; the second (warm: middleware loaded, caches filled) is
        measured."""
        from django.test import Client

        client = Client(HTTP_HOST="127.0.0.1")
        url, body = target.url(0), target.body(0)
        warm = client.post(
            url,
            data=body,
            content_type="application/json",
            headers={"X-Session-Token": self._session(users[0]), "Idempotency-Key": "warm"},
        )
        if warm.status_code >= 300:
            raise CommandError(f"The warm-up create answered {warm.status_code}: {warm.content!r}")
        user = users[1]
        token = self._session(user)
        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            profiler.enable()
            response = client.post(
                url,
                data=body,
                content_type="application/json",
                headers={"X-Session-Token": token, "Idempotency-Key": f"profile-{user.pk}"},
            )
            profiler.disable()
            took = (time.perf_counter() - began) * 1000
        sql_ms = sum(float(q.get("time") or 0) for q in queries.captured_queries) * 1000
        self.stdout.write(
            f"profile: one {target.kind} in-process: {response.status_code} in {took:.1f} ms, "
            f"{len(queries)} SQL queries ({sql_ms:.1f} ms as Django timed them):"
        )
        for n, query in enumerate(queries.captured_queries, 1):
            self.stdout.write(f"  {n:2}. [{query.get('time')}s] {query['sql'][:160]}")
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        self.stdout.write(out.getvalue())


WRK_SCRIPT = Path(settings.BASE_DIR) / "bench" / "wrk_api_writes.lua"


def run_wrk(jobs: list[Job], *, connections: int, seconds: int) -> str:
    """Run wrk with bench/wrk_api_writes.lua over the jobs; returns its JSON result line."""
    if shutil.which("wrk") is None:
        raise CommandError("wrk is not installed (apt-get install wrk).")
    base = urllib.parse.urlsplit(jobs[0].url)
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as file:
        for job in jobs:
            path = urllib.parse.urlsplit(job.url).path
            file.write(f"{job.token}\t{job.key}\t{path}\t{job.body.decode()}\n")
    threads = 2
    try:
        result = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{max(connections, threads)}", f"-d{seconds}s"]
            + ["--timeout", "30s", "-s", str(WRK_SCRIPT), f"{base.scheme}://{base.netloc}/"]
            + ["--", file.name, str(threads)],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    finally:
        Path(file.name).unlink(missing_ok=True)
    line = next((x for x in result.stdout.splitlines() if x.startswith("API_WRITES ")), None)
    if line is None:
        raise CommandError(f"wrk printed no result:\n{result.stdout}\n{result.stderr}")
    return line.split(" ", 1)[1]
