"""Time the results page of the survey with the most responses (the 100,000-response bench
survey): `manage.py survey_results_bench [--generate] [--runs 20]`.

Calls the whole view (selector + template) in-process with a visitor's request, so the figures
are server time without network or middleware. "cold" clears the results cache before each
run (every query runs: the GROUP BY over all answers), "warm" is the cached path that page
views take between two submissions. Wall time and this process's CPU time are printed: on a
busy machine the wall time includes waiting for a CPU."""

import statistics
import time

from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory

from surveys import selectors, views
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
        sample = SurveyResponse.objects.filter(survey=survey).exclude(community=None).first()
        cases = [("all", {})]
        if sample:
            cases += [
                ("street", {"street": sample.street_id}),
                ("community", {"community": sample.community_id}),
            ]
        self.stdout.write(
            f"{connection.vendor}: survey {survey.pk} “{survey.title}”, {row['n']} responses"
        )
        factory = RequestFactory()
        for mode in ("cold", "warm"):
            for name, params in cases:
                self._measure(factory, survey, mode, name, params, runs)

    def _measure(self, factory, survey, mode, name, params, runs):
        wall, cpu = [], []
        queries = 0
        status = None

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        for i in range(runs + 1):
            if mode == "cold":
                selectors.survey_results_changed(survey_id=survey.pk)
            request = factory.get(survey.results_url(), params)
            request.user = AnonymousUser()
            request.session = SessionStore()
            queries = 0
            start, start_cpu = time.perf_counter(), time.process_time()
            with connection.execute_wrapper(count):
                page = views.results(request, survey)
                page.render()
            if i:  # the first run warms the site, settings and template caches
                wall.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            status = page.status_code
        wall.sort()
        p95 = wall[max(0, int(len(wall) * 0.95) - 1)]
        self.stdout.write(
            f"  {mode:<5} {name:<10} median {statistics.median(wall):7.1f} ms  "
            f"p95 {p95:7.1f} ms  min {wall[0]:7.1f} ms  cpu median {statistics.median(cpu):7.1f} ms"
            f"  queries {queries}  status {status}"
        )
