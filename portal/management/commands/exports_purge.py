from django.core.management.base import BaseCommand

from portal.export_jobs import exports_purge


class Command(BaseCommand):
    help = (
        "Delete export jobs (staff spreadsheets, personal data ZIPs) past their expiry, a day "
        "after they were made, with their files. Run it hourly from cron."
    )

    def handle(self, *args, **options):
        purged = exports_purge()
        self.stdout.write(f"purged {purged} expired export(s)")
