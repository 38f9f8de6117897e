import json

from django.core.management.base import BaseCommand

from portal.demo_context import app_modules


class Command(BaseCommand):
    help = "Print, as JSON, the public URLs each app wants measured by bench/run.py."

    def handle(self, *args, **options):
        urls = []
        for module in app_modules("bench_data"):
            if hasattr(module, "bench_urls"):
                urls.extend({"name": n, "url": u} for n, u in module.bench_urls())
        self.stdout.write(json.dumps(urls, ensure_ascii=False))
