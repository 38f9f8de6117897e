"""Factories for the surveys tests: a survey with the usual four questions, and answers to it."""

import datetime

from django.utils import timezone

from surveys.models import SurveyPage, SurveyQuestion

DEFAULT_QUESTIONS = [
    {
        "label": "您最希望先整治哪一项",
        "field_type": "radio",
        "choices": "楼道照明\n屋面防水\n停车秩序",
        "allow_other": True,
    },
    {
        "label": "您关心哪些服务",
        "field_type": "checkboxes",
        "choices": "助餐\n助浴\n陪伴",
        "required": False,
    },
    {"label": "对社区养老服务的满意度", "field_type": "rating"},
    {"label": "其他建议", "field_type": "multiline", "required": False},
]


def make_survey(parent, *, questions=None, **fields) -> SurveyPage:
    now = timezone.now()
    n = SurveyPage.objects.count() + 1
    fields.setdefault("title", f"老旧楼院整治意见征集{n}")
    fields.setdefault("slug", f"survey-{n}-{now.timestamp():.0f}")
    fields.setdefault("opens_at", now - datetime.timedelta(days=1))
    fields.setdefault("closes_at", now + datetime.timedelta(days=7))
    audience_streets = fields.pop("audience_streets", [])
    audience_communities = fields.pop("audience_communities", [])
    survey = SurveyPage(**fields)
    for i, q in enumerate(DEFAULT_QUESTIONS if questions is None else questions):
        survey.form_fields.add(SurveyQuestion(sort_order=i, **q))
    parent.add_child(instance=survey)
    if audience_streets or audience_communities:
        survey.audience_streets.set(audience_streets)
        survey.audience_communities.set(audience_communities)
        survey.save()
    return SurveyPage.objects.get(pk=survey.pk)


def answers_for(survey, *, choice="楼道照明", rating="4", text="", multi=("助餐",), other=""):
    n = names(survey)
    data = {n[0]: choice, n[2]: rating, n[3]: text}
    if other:
        data[n[0] + "__other"] = other
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for key, value in data.items():
        q[key] = value
    q.setlist(n[1], list(multi))
    return q


def route_url(survey: SurveyPage, name: str, **kwargs) -> str:
    """The URL of one of the survey page's routes (results/, edit/, export/…/…/)."""
    return survey.url + survey.reverse_subpage(name, kwargs=kwargs)


def names(survey):
    """clean_name of each question, in order."""
    return [q.clean_name for q in survey.get_form_fields()]
