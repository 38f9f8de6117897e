"""Demo surveys: five surveys on the district's real topics (老旧楼院整治, 学校配套, 马路市场搬迁,
社区养老服务) with a few hundred responses. Deterministic (ctx.rng)."""

import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from portal.models import Grid, User
from surveys.models import (
    OTHER,
    SurveyAnswer,
    SurveyIndexPage,
    SurveyPage,
    SurveyQuestion,
    SurveyResponse,
)
from surveys.services import respondent_key

DEMO_RESIDENTS = 150

COURTYARD = [
    {
        "label": "您最希望老旧楼院先整治哪一项？",
        "field_type": "radio",
        "choices": "楼道照明\n屋面防水\n停车秩序\n绿化提升\n外墙保温",
        "allow_other": True,
    },
    {
        "label": "您愿意参与哪些楼院共建活动？",
        "field_type": "checkboxes",
        "choices": "楼院议事会\n志愿清扫\n监督施工\n费用公示",
        "required": False,
    },
    {
        "label": "您对目前楼院环境的满意度",
        "field_type": "rating",
        "rating_low_label": "很不满意",
        "rating_high_label": "非常满意",
    },
    {"label": "其他意见和建议", "field_type": "multiline", "required": False},
]
SCHOOL = [
    {
        "label": "您家孩子目前就读的学段",
        "field_type": "radio",
        "choices": "幼儿园\n小学\n初中\n暂无",
    },
    {
        "label": "您认为学校周边最需要完善的配套",
        "field_type": "checkboxes",
        "choices": "上下学接送区\n课后托管\n过街天桥或信号灯\n周边停车",
    },
    {"label": "对新建学校选址的意见", "field_type": "multiline", "required": False},
]
MARKET = [
    {
        "label": "您是否同意马路市场搬入室内市场？",
        "field_type": "radio",
        "choices": "同意\n基本同意\n不同意",
    },
    {
        "label": "您通常什么时间买菜？",
        "field_type": "dropdown",
        "choices": "早上7点前\n上午\n下午\n傍晚以后",
    },
    {"label": "搬迁后您最关心的问题", "field_type": "singleline", "required": False},
]
ELDERLY = [
    {
        "label": "您或家中老人最需要的养老服务",
        "field_type": "checkboxes",
        "choices": "助餐\n助浴\n上门医疗\n日间照料\n精神慰藉",
        "allow_other": True,
    },
    {
        "label": "您家中是否有80岁以上老人？",
        "field_type": "radio",
        "choices": "有\n没有",
    },
    {"label": "您对社区养老服务有什么具体建议？", "field_type": "multiline", "required": False},
]
RATINGS = [
    {"label": "助老食堂的饭菜质量", "field_type": "rating"},
    {"label": "日间照料中心的服务态度", "field_type": "rating"},
    {
        "label": "上门服务是否及时",
        "field_type": "rating",
        "rating_low_label": "很不及时",
        "rating_high_label": "非常及时",
    },
    {"label": "我愿意向邻居推荐社区养老服务", "field_type": "checkbox", "required": False},
]
SUGGESTIONS = [
    "楼道灯经常坏，希望换成声控灯。",
    "雨季屋顶漏水严重，请优先修缮。",
    "晚上停车太乱，消防通道常被占用。",
    "希望增设老年人休息座椅。",
    "施工期间请提前公示时间。",
    "希望学校门口增加护学岗。",
    "助餐点能否增加送餐上门？",
    "",
]


def make_survey(index, *, title, slug, questions, **fields) -> SurveyPage:
    survey = SurveyPage(title=title, slug=slug, **fields)
    for i, question in enumerate(questions):
        survey.form_fields.add(SurveyQuestion(sort_order=i, **question))
    index.add_child(instance=survey)
    survey.save_revision().publish()
    return SurveyPage.objects.get(pk=survey.pk)


def random_rows(rng, questions) -> list[dict]:
    """Plausible answers to the questions (as SurveyAnswer field values)."""
    rows = []
    for question in questions:
        options = question.option_list()
        if question.is_rating:
            rows.append(
                {"question": question, "rating": rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 6, 4])[0]}
            )
        elif question.is_multiple:
            picks = rng.sample(options, rng.randint(1, min(3, len(options))))
            rows += [{"question": question, "option": option} for option in picks]
            if question.allow_other and rng.random() < 0.08:
                rows.append({"question": question, "option": OTHER, "text": "理发、修脚等生活服务"})
        elif question.is_choice:
            if question.allow_other and rng.random() < 0.06:
                rows.append({"question": question, "option": OTHER, "text": "加装电梯"})
            else:
                weights = [len(options) - i for i in range(len(options))]
                rows.append({"question": question, "option": rng.choices(options, weights)[0]})
        elif question.field_type == "checkbox":
            rows.append({"question": question, "option": "1" if rng.random() < 0.7 else "0"})
        else:
            text = rng.choice(SUGGESTIONS)
            if text:
                rows.append({"question": question, "text": text})
    return rows


def bulk_responses(*, survey, respondents, rng, grids, start, end, batch: int = 2000) -> int:
    """Insert one response per respondent (a User or a visitor token) with random answers
    spread between `start` and `end`; bulk inserts, for demo and bench data."""
    questions = list(survey.form_fields.all())
    span = (end - start).total_seconds()
    created = 0
    pending: list[tuple[SurveyResponse, list[dict]]] = []

    def flush():
        SurveyResponse.objects.bulk_create([r for r, _rows in pending])
        answers = []
        for response, rows in pending:
            for row in rows:
                answers.append(
                    SurveyAnswer(
                        response=response,
                        survey_id=survey.pk,
                        street_id_snapshot=response.street_id,
                        community_id_snapshot=response.community_id,
                        **row,
                    )
                )
        SurveyAnswer.objects.bulk_create(answers, batch_size=5000)
        pending.clear()

    for respondent in respondents:
        if isinstance(respondent, User):
            key = respondent_key(survey_id=survey.pk, user=respondent)
            grid = grids.get(respondent.home_grid_id)
            user = None if survey.anonymous else respondent
        else:
            key = respondent_key(survey_id=survey.pk, visitor_token=respondent)
            grid = rng.choice(list(grids.values())) if rng.random() < 0.6 else None
            user = None
        when = start + datetime.timedelta(seconds=rng.random() * span)
        response = SurveyResponse(
            survey_id=survey.pk,
            respondent_key=key,
            user=user,
            street_id=grid.community.street_id if grid else None,
            community_id=grid.community_id if grid else None,
            submitted_at=when,
            updated_at=when,
        )
        pending.append((response, random_rows(rng, questions)))
        created += 1
        if len(pending) >= batch:
            flush()
    if pending:
        flush()
    return created


def _morning(moment: datetime.datetime) -> datetime.datetime:
    """09:00 local time on the day of `moment`: surveys open at a time a person would set."""
    return timezone.localtime(moment).replace(hour=9, minute=0, second=0, microsecond=0)


def _evening(moment: datetime.datetime) -> datetime.datetime:
    """18:00 local time on the day of `moment` ("12月7日 18:00 截止", not "05:11")."""
    return timezone.localtime(moment).replace(hour=18, minute=0, second=0, microsecond=0)


def load(ctx) -> None:
    now = timezone.now().replace(second=0, microsecond=0)
    day = datetime.timedelta(days=1)
    index = SurveyIndexPage(
        title="民意征集",
        slug="surveys",
        show_in_menus=True,
        intro="<p>办好群众身边的事，先听群众的意见。老旧楼院整治、学校配套、马路市场搬迁、社区养老服务……"
        "请在征集期内留下您的意见，结果按问卷设置公开。</p>",
    )
    ctx.home_page.add_child(instance=index)
    index.save_revision().publish()

    resident = ctx.users["resident"]
    home_grid = Grid.objects.select_related("community__street").get(pk=resident.home_grid_id)
    community = home_grid.community

    courtyard = make_survey(
        index,
        title="老旧楼院整治居民意见征集",
        slug="old-courtyard-renovation",
        questions=COURTYARD,
        summary="楼道照明、屋面防水、停车秩序……请告诉我们您最希望先整治哪一项。",
        intro="<p>老旧楼院整治是群众关心的热点难点问题。为把好事办好，请您为整治内容排序打分。</p>",
        thank_you_text="<p>感谢您的意见！征集结束后，各社区将公示统计结果和整治计划。</p>",
        opens_at=_morning(now - 10 * day),
        closes_at=_evening(now + 20 * day),
        results_visibility=SurveyPage.ResultsVisibility.AFTER_CLOSE,
    )
    school = make_survey(
        index,
        title="学校配套设施需求调查",
        slug="school-facilities",
        questions=SCHOOL,
        summary="新建学校周边的接送区、课后托管和交通设施，听听家长的意见。",
        intro="<p>为做好新建学校的配套规划，区教育部门联合各街道开展本次调查。</p>",
        opens_at=_morning(now - 60 * day),
        closes_at=_evening(now - 15 * day),
        results_visibility=SurveyPage.ResultsVisibility.AFTER_CLOSE,
    )
    market = make_survey(
        index,
        title=f"{community.name}马路市场搬迁方案意见征集",
        slug="street-market-relocation",
        questions=MARKET,
        summary="马路市场拟搬入室内市场，请本社区居民发表意见。",
        intro="<p>马路市场占道经营影响通行和环境，社区拟将其搬入附近的室内市场。本问卷只面向本社区居民。</p>",
        opens_at=_morning(now - 5 * day),
        closes_at=_evening(now + 10 * day),
        audience=SurveyPage.Audience.SELECTED,
        results_visibility=SurveyPage.ResultsVisibility.WHILE_OPEN,
    )
    market.audience_communities.set([community])
    market.save_revision().publish()  # parental M2M rows are written when the page is saved
    elderly = make_survey(
        index,
        title="社区养老服务需求调查（匿名）",
        slug="elderly-care-needs",
        questions=ELDERLY,
        summary="匿名调查：您或家中老人最需要哪些养老服务？",
        intro="<p>本问卷为匿名问卷，工作人员只能看到答案，看不到答题人。</p>",
        opens_at=_morning(now - 3 * day),
        closes_at=_evening(now + 30 * day),
        anonymous=True,
        results_visibility=SurveyPage.ResultsVisibility.STAFF,
    )
    ratings = make_survey(
        index,
        title="社区养老服务满意度评价",
        slug="elderly-care-satisfaction",
        questions=RATINGS,
        summary="为助老食堂、日间照料和上门服务打分，访客也可参与。",
        opens_at=_morning(now - 20 * day),
        closes_at=_evening(now + 5 * day),
        login_required=False,
        results_visibility=SurveyPage.ResultsVisibility.WHILE_OPEN,
    )

    grids = {g.pk: g for g in Grid.objects.select_related("community").order_by("code")[:400]}
    grid_ids = list(grids)
    password = make_password(None)
    residents = User.objects.bulk_create(
        [
            User(
                email=f"demo-resident-{n}@example.cn",
                password=password,
                display_name=f"居民{n}",
                home_grid_id=grid_ids[(n * 7) % len(grid_ids)],
                privacy_consent_version="2026-11",
                privacy_consent_at=now,
            )
            for n in range(DEMO_RESIDENTS)
        ]
    )
    community_grids = {
        g.pk: g for g in Grid.objects.select_related("community").filter(community=community)
    }
    grids.update(community_grids)
    neighbours = User.objects.bulk_create(
        [
            User(
                email=f"demo-neighbour-{n}@example.cn",
                password=password,
                display_name=f"邻居{n}",
                home_grid_id=list(community_grids)[n % len(community_grids)],
                privacy_consent_version="2026-11",
                privacy_consent_at=now,
            )
            for n in range(40)
        ]
    )
    rng = ctx.rng
    counts = [
        bulk_responses(
            survey=courtyard,
            respondents=residents[:120],
            rng=rng,
            grids=grids,
            start=_morning(now - 10 * day),
            end=now,
        ),
        bulk_responses(
            survey=school,
            respondents=residents + [resident],
            rng=rng,
            grids=grids,
            start=_morning(now - 60 * day),
            end=_evening(now - 15 * day),
        ),
        bulk_responses(
            survey=market,
            respondents=neighbours,
            rng=rng,
            grids=grids,
            start=_morning(now - 5 * day),
            end=now,
        ),
        bulk_responses(
            survey=elderly,
            respondents=residents[30:110],
            rng=rng,
            grids=grids,
            start=_morning(now - 3 * day),
            end=now,
        ),
        bulk_responses(
            survey=ratings,
            respondents=residents[50:] + [f"demo-visitor-{n}" for n in range(60)],
            rng=rng,
            grids=grids,
            start=_morning(now - 20 * day),
            end=now,
        ),
    ]
    ctx.log(f"  surveys: 5, responses: {sum(counts)}")
