from django.core import mail
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from wagtail import hooks

from portal.demo_context import DemoContext
from portal.models import HomePage


class Command(BaseCommand):
    help = "Load the deterministic demo content (geography, pages, demo users, each app's data)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the demo data is already there (used by `make run`).",
        )

    def handle(self, *args, if_empty=False, **options):
        ctx = DemoContext(stdout=self.stdout)
        if HomePage.objects.exists():
            if if_empty:
                self.stdout.write("Demo data already loaded.")
                self.print_logins()
                return
            self.stdout.write(self.style.WARNING("A home page exists already; nothing loaded."))
            return
        # The demo's sign-ups and decisions notify demo people. Their e-mails go to an
        # in-memory outbox instead of the terminal (console backend) or a real server; the
        # messages are still built, so a broken template or header still fails the load.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            previous_outbox = getattr(mail, "outbox", None)
            mail.outbox = []
            try:
                with transaction.atomic():
                    for load in hooks.get_hooks("portal_demo_data"):
                        self.stdout.write(f"Loading {load.__module__} …")
                        load(ctx)
                held = len(mail.outbox)
            finally:
                if previous_outbox is None:
                    del mail.outbox
                else:
                    mail.outbox = previous_outbox
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"{held} notification e-mails to demo people were not sent.")
        self.print_logins(ctx)

    def print_logins(self, ctx: DemoContext | None = None):
        from portal.demo import DEMO_LOGINS, DEMO_PASSWORD

        # Each app may add logins of its own (hook "portal_demo_logins": (role, email) pairs).
        logins = [*DEMO_LOGINS]
        for app_logins in hooks.get_hooks("portal_demo_logins"):
            logins.extend(app_logins())
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for role, email in logins:
            self.stdout.write(f"  {role:<28} {email}")
