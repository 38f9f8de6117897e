from django.core.management.base import BaseCommand

from portal.export_jobs import exports_resume


class Command(BaseCommand):
    help = (
        "Queue again the export jobs whose worker died in the middle (no progress for "
        "EXPORTS_STALE_AFTER, 10 minutes) or whose task was lost. Run it every minute from cron."
    )

    def handle(self, *args, **options):
        job_ids = exports_resume()
        self.stdout.write(f"queued {len(job_ids)} export(s) again")
