import json

from django.core.management.base import BaseCommand
from wagtail import hooks


class Command(BaseCommand):
    help = "Print, as JSON, the public URLs each app wants measured by bench/run.py."

    def handle(self, *args, **options):
        urls = []
        for bench_urls in hooks.get_hooks("portal_bench_urls"):
            urls.extend({"name": n, "url": u} for n, u in bench_urls())
        self.stdout.write(json.dumps(urls, ensure_ascii=False))
