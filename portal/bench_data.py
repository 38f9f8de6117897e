"""Large data set for the portal app: thousands of users and news pages.

Rows are written with bulk_create where Wagtail allows it; pages go through the tree API
(treebeard) in one parent, which is slower but keeps the tree valid.
"""

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.models import Grid, NewsIndexPage, NewsPage, User

USERS = 20_000
NEWS = 1_000
BATCH = 2_000


def generate(ctx) -> None:
    grid_ids = list(Grid.objects.values_list("pk", flat=True))
    existing = User.objects.filter(email__startswith="bench-").count()
    wanted = int(USERS * ctx.scale)
    password = make_password(ctx.password)
    now = timezone.now()
    batch = []
    for n in range(existing, wanted):
        batch.append(
            User(
                email=f"bench-{n}@example.cn",
                password=password,
                display_name=f"居民{n}",
                home_grid_id=grid_ids[n % len(grid_ids)],
                privacy_consent_version="2026-11",
                privacy_consent_at=now,
            )
        )
        if len(batch) >= BATCH:
            User.objects.bulk_create(batch)
            batch = []
    if batch:
        User.objects.bulk_create(batch)
    ctx.log(f"  users: {User.objects.count()}")

    news_index = NewsIndexPage.objects.first()
    if news_index is None:
        return
    have = NewsPage.objects.child_of(news_index).count()
    today = timezone.localdate()
    for n in range(have, int(NEWS * ctx.scale)):
        news_index.add_child(
            instance=NewsPage(
                title=f"社区动态第{n}期：网格巡查与志愿服务",
                slug=f"bench-news-{n}",
                date=today - datetime.timedelta(days=n % 900),
                summary="本期介绍各网格徒步巡查发现的问题和社区养老服务项目的进展。",
                body=[{"type": "paragraph", "value": "<p>网格员与志愿者一起巡查楼院。</p>"}],
            )
        )
    ctx.log(f"  news pages: {NewsPage.objects.count()}")


def bench_urls():
    news = NewsPage.objects.live().order_by("-date", "-pk").first()
    urls = [("home", "/"), ("news index", "/news/"), ("search 养老", "/search/?q=养老")]
    if news:
        urls.append(("news page", news.url))
    return urls
