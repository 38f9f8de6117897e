"""Bench data: 50 surveys, one of them with 100,000 responses (bulk inserted)."""

import datetime

from django.db import connection
from django.utils import timezone

from portal.models import Grid, User
from surveys.demo import COURTYARD, ELDERLY, MARKET, RATINGS, SCHOOL, bulk_responses, make_survey
from surveys.models import SurveyIndexPage, SurveyPage

SURVEYS = 50
BIG = 100_000
BIG_SLUG = "bench-survey-100k"
TOPICS = [
    ("老旧楼院整治意见征集", COURTYARD),
    ("学校配套需求调查", SCHOOL),
    ("马路市场搬迁意见征集", MARKET),
    ("社区养老服务需求调查", ELDERLY),
    ("社区养老服务满意度评价", RATINGS),
]


def _index(ctx) -> SurveyIndexPage:
    index = SurveyIndexPage.objects.first()
    if index is None:
        from portal.models import HomePage

        home = ctx.home_page or HomePage.objects.first()
        index = SurveyIndexPage(title="民意征集", slug="surveys", show_in_menus=True)
        home.add_child(instance=index)
    return index


def generate(ctx) -> None:
    index = _index(ctx)
    now = timezone.now()
    day = datetime.timedelta(days=1)
    grids = {g.pk: g for g in Grid.objects.select_related("community")}
    users = list(User.objects.filter(email__startswith="bench-").order_by("pk"))
    have = SurveyPage.objects.filter(slug__startswith="bench-survey-").count()
    for n in range(have, int(SURVEYS * ctx.scale)):
        title, questions = TOPICS[n % len(TOPICS)]
        big = n == 0
        closed = n % 3 == 1
        survey = make_survey(
            index,
            title=f"{title}（第{n + 1}期）" if not big else f"{title}（全区大样本）",
            slug=BIG_SLUG if big else f"bench-survey-{n}",
            questions=questions,
            summary="基准测试数据：问卷题目与真实问卷相同。",
            opens_at=now - (90 if closed else 10) * day,
            closes_at=now - 1 * day if closed else now + (20 + n) * day,
            login_required=not big,
            results_visibility=SurveyPage.ResultsVisibility.WHILE_OPEN,
        )
        wanted = int(BIG * ctx.scale) if big else ctx.rng.randint(0, min(300, len(users) or 1))
        if big:
            respondents = users[:wanted] + [
                f"bench-visitor-{i}" for i in range(wanted - len(users[:wanted]))
            ]
        else:
            respondents = users[:wanted]
        created = bulk_responses(
            survey=survey,
            respondents=respondents,
            rng=ctx.rng,
            grids=grids,
            start=survey.opens_at,
            end=min(now, survey.closes_at),
            batch=5000,
        )
        if big:
            ctx.log(f"  survey with {created} responses: {survey.url}")
    ctx.log(f"  surveys: {SurveyPage.objects.count()}")
    refresh_statistics()


def refresh_statistics() -> None:
    """After a bulk insert the planner's statistics are stale (PostgreSQL then estimates a
    few hundred answer rows and skips the covering index); autovacuum would catch up later."""
    tables = ["surveys_surveyanswer", "surveys_surveyresponse"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            for table in tables:
                cursor.execute(f"VACUUM ANALYZE {table}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def bench_urls():
    index = SurveyIndexPage.objects.live().first()
    big = SurveyPage.objects.filter(slug=BIG_SLUG).first()
    urls = []
    if index:
        urls.append(("survey index", index.url))
    if big:
        urls.append(("survey page (visitor)", big.url))
        urls.append(("survey results 100k", big.results_url()))
    return urls
