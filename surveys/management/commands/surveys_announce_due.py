from django.core.management.base import BaseCommand

from surveys.services import surveys_announce_due


class Command(BaseCommand):
    help = (
        "Announce the surveys that have opened since they were published (published before "
        "their start time) to their audience. Idempotent: run it every minute from cron on "
        "any number of hosts; each survey is announced once."
    )

    def handle(self, *args, **options):
        announced = surveys_announce_due()
        self.stdout.write(f"announced {announced} survey(s)")
