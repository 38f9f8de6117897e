"""Time the results page of the survey with the most responses (the 100,000-response bench
survey): `manage.py survey_results_bench [--generate] [--runs 20]`.

Measures the whole view (selector + template) called in-process with a visitor's request, so
the figure is server time without network or middleware; prints median, p95 and queries."""

import statistics
import time

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from surveys import views
from surveys.models import SurveyPage, SurveyResponse


class Command(BaseCommand):
    help = "Time the results page of the largest survey (see surveys/bench_data.py)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--generate", action="store_true", help="Generate the bench surveys first."
        )
        parser.add_argument("--runs", type=int, default=20)

    def handle(self, *args, generate=False, runs=20, **options):
        if generate:
            from portal.demo_context import DemoContext
            from surveys import bench_data

            bench_data.generate(DemoContext(stdout=self.stdout, seed=2026))
        row = SurveyResponse.objects.values("survey").annotate(n=Count("pk")).order_by("-n").first()
        if not row:
            self.stderr.write("No survey responses: run generate_bench_data or --generate first.")
            return
        survey = SurveyPage.objects.get(pk=row["survey"])
        response = SurveyResponse.objects.filter(survey=survey).exclude(community=None).first()
        factory = RequestFactory()
        cases = [("all", {})]
        if response:
            cases += [
                ("street", {"street": response.street_id}),
                ("community", {"community": response.community_id}),
            ]
        self.stdout.write(
            f"{connection.vendor}: survey {survey.pk} “{survey.title}”, {row['n']} responses"
        )
        for name, params in cases:
            timings = []
            queries = 0
            for i in range(runs + 1):
                request = factory.get(f"/survey/{survey.pk}/results/", params)
                request.user = AnonymousUser()
                request.session = SessionStore()
                start = time.perf_counter()
                with CaptureQueriesContext(connection) as captured:
                    page = views.results(request, page_id=survey.pk)
                    page.render()
                elapsed = (time.perf_counter() - start) * 1000
                if i:  # the first run warms caches (site, settings, templates)
                    timings.append(elapsed)
                queries = len(captured)
            timings.sort()
            p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
            self.stdout.write(
                f"  {name:<10} median {statistics.median(timings):7.1f} ms   "
                f"p95 {p95:7.1f} ms   min {timings[0]:7.1f} ms   queries {queries}   "
                f"status {page.status_code}"
            )
