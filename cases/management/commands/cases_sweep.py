import time

from django.core.management.base import BaseCommand

from cases.services import case_sweep


class Command(BaseCommand):
    help = (
        "The SLA sweep: flag overdue cases, warn before deadlines, escalate overdue cases to "
        "the community and then the street. Idempotent and locked: run it every minute from "
        "cron or a scheduler on any number of hosts. With --enqueue the sweep is handed to the "
        "task worker (cases.tasks.sweep) and the command returns at once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the sweep as a task for the worker instead of running it here.",
        )

    def handle(self, *args, verbosity=1, enqueue=False, **options):
        if enqueue:
            from cases.tasks import sweep

            result = sweep.enqueue()
            self.stdout.write(f"sweep queued ({result.id})")
            return
        started = time.monotonic()
        result = case_sweep()
        seconds = time.monotonic() - started
        if not result.locked:
            self.stdout.write("Another host is running the sweep; nothing done.")
            return
        self.stdout.write(
            f"overdue {result.overdue}, warned {result.warned}, escalated to community "
            f"{result.escalated_community}, to street {result.escalated_street}"
            + (f" ({seconds:.2f} s)" if verbosity >= 2 else "")
        )
