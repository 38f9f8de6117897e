from django.core.management.base import BaseCommand
from wagtail import hooks

from portal.demo_context import DemoContext


class Command(BaseCommand):
    help = (
        "Generate the large benchmark data set on top of the demo data: each app's "
        "bench_data.generate(ctx). --scale 1 is the size the budgets are measured at."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0)

    def handle(self, *args, scale=1.0, **options):
        from portal.demo import DEMO_LOGINS
        from portal.models import HomePage, User

        ctx = DemoContext(stdout=self.stdout, scale=scale, seed=2026)
        # The same names as load_demo_data gives the apps (bench data builds on the demo).
        for _role, email in DEMO_LOGINS:
            user = User.objects.filter(email=email).first()
            if user is not None:
                ctx.users[email.split("@")[0]] = user
        ctx.home_page = HomePage.objects.first()
        for generate in hooks.get_hooks("portal_bench_data"):
            self.stdout.write(f"Generating {generate.__module__} …")
            generate(ctx)
        self.stdout.write(self.style.SUCCESS("Bench data generated."))
