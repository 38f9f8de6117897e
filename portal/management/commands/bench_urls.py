import json

from django.core.management.base import BaseCommand
from wagtail import hooks


class Command(BaseCommand):
    help = (
        "Print, as JSON, the URLs each app wants measured by bench/run.py: the public pages, "
        "or with --staff the staff pages (hook portal_bench_staff_urls, for --as staff/admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--staff", action="store_true", help="the staff pages")

    def handle(self, *args, staff=False, **options):
        hook = "portal_bench_staff_urls" if staff else "portal_bench_urls"
        urls = []
        for bench_urls in hooks.get_hooks(hook):
            urls.extend({"name": n, "url": u} for n, u in bench_urls())
        self.stdout.write(json.dumps(urls, ensure_ascii=False))
