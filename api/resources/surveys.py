"""民意征集 — surveys: lists, a survey with its questions, answering (with Idempotency-Key),
my response and editing it while the survey is open, public results.

Answers go through the survey's own form (the site's validation and sentences) and the
surveys services (who may answer, one response per person, edits only while open).

Visitors: a survey that does not require login takes answers from visitors on the site, and
here too. A visitor is told apart by the `X-Visitor-Token` header, the API's counterpart of
the site's visitor cookie: the app keeps a random token (or the one the first answer
returns as `visitor_token`) and sends it to see "my response", edit it while the survey is
open, and retry with an Idempotency-Key. Visitors' submissions count against the site's
per-address limit."""

from __future__ import annotations

import datetime
import secrets
from typing import Literal

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import AuthenticationError
from pydantic import Field
from wagtail.rich_text import expand_db_html

from api.auth import AUTH, AUTH_OR_VISITOR, VISITOR, optional_user
from api.http import idempotent, json_response, shared_list, with_etag
from api.pagination import PageParams, page_of, paginate
from api.params import IdempotencyKeyHeader, ObjectId, VisitorTokenHeader
from portal import page_cache
from portal.page_cache import CLOCK_TTL, survey_tag
from portal.ratelimits import client_address
from portal.selectors import public_pages
from surveys import permissions, selectors, services
from surveys.forms import OTHER_SUFFIX, initial_from_response
from surveys.models import SurveyPage, SurveyResponse

router = Router(tags=["民意征集"])

AnswerValue = str | int | bool | list[str] | None


class SurveyCardOut(Schema):
    id: int
    title: str
    summary: str
    status: Literal["upcoming", "open", "closed"]
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    audience: str = Field(..., description="district：全区居民；selected：指定街道或社区")
    anonymous: bool
    response_count: int


def _card(survey: SurveyPage, now) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "summary": survey.summary,
        "status": survey.status(now),
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "audience": survey.audience,
        "anonymous": survey.anonymous,
        "response_count": getattr(survey, "response_count", 0),
    }


def _live_surveys():
    return public_pages(SurveyPage.objects.live())


def _with_counts(surveys):
    """The fields of a card and the number of responses (a correlated COUNT per survey, as
    on the survey index)."""
    counts = (
        SurveyResponse.objects.filter(survey=OuterRef("pk"))
        .order_by()
        .values("survey")
        .annotate(n=Count("*"))
        .values("n")
    )
    return surveys.annotate(
        response_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    ).only("title", "summary", "opens_at", "closes_at", "audience", "anonymous")


@router.get(
    "",
    response={200: page_of(SurveyCardOut), 304: None},
    summary="问卷列表（进行中或已截止）",
)
def survey_list(request, page: Query[PageParams], status: Literal["open", "closed"] = "open"):
    """The survey index's two tabs: open and upcoming surveys (closing soonest first) or
    closed ones (latest first), with their number of responses."""
    page_cache.depends_on(request, ttl=CLOCK_TTL)
    return shared_list(
        request, page_of(SurveyCardOut), lambda: _survey_page(page, status), ttl=CLOCK_TTL
    )


def _survey_page(page: PageParams, status: str) -> dict:
    now = timezone.now()
    surveys = _live_surveys()
    if status == "closed":
        surveys = surveys.filter(closes_at__lte=now).order_by("-closes_at", "-pk")
    else:
        surveys = surveys.filter(closes_at__gt=now).order_by("closes_at", "pk")
    surveys = _with_counts(surveys)
    result = paginate(surveys, page)
    result["items"] = [_card(s, now) for s in result["items"]]
    return result


class SurveyForMeOut(SurveyCardOut):
    eligible: bool = Field(..., description="按所在网格，我是否属于征集对象")
    answered: bool


@router.get("/for-me", response=list[SurveyForMeOut], summary="我可以参与的问卷")
def survey_for_me(request, visitor_token: VisitorTokenHeader = None):
    """Open surveys as the home page shows them: those I may still answer first. `answered`
    is mine: by my account, or by my X-Visitor-Token when I answer without logging in."""
    user = optional_user(request)
    now = timezone.now()
    token = "" if user.is_authenticated else visitor_token or ""
    chosen = selectors.open_surveys_for(user=user, visitor_token=token, limit=20)
    # The selector's order and flags; the cards' other fields in one more query.
    cards = _with_counts(_live_surveys().filter(pk__in=[s.pk for s in chosen])).in_bulk()
    return [
        {
            **_card(cards[s.pk], now),
            "eligible": bool(getattr(s, "eligible", False)),
            "answered": bool(getattr(s, "answered", False)),
        }
        for s in chosen
        if s.pk in cards
    ]


class MyResponseCardOut(Schema):
    survey_id: int
    survey_title: str
    survey_status: Literal["upcoming", "open", "closed"]
    submitted_at: datetime.datetime
    updated_at: datetime.datetime


@router.get("/mine", response=list[MyResponseCardOut], auth=AUTH, summary="我答过的问卷")
def survey_mine(request):
    """My responses, anonymous surveys included (found through their keyed hash), newest
    first, as in 我的."""
    now = timezone.now()
    return [
        {
            "survey_id": r.survey_id,
            "survey_title": r.survey.title,
            "survey_status": r.survey.status(now),
            "submitted_at": r.submitted_at,
            "updated_at": r.updated_at,
        }
        for r in selectors.my_responses(user=request.user)[:100]
    ]


# --- One survey ----------------------------------------------------------------------------


class RatingOut(Schema):
    min: int = 1
    max: int = 5
    low_label: str
    high_label: str


class QuestionOut(Schema):
    id: int
    key: str = Field(..., description="回答时 answers 里的键")
    label: str
    help_text: str
    type: str = Field(
        ...,
        description="singleline, multiline, email, number, url, checkbox, checkboxes, "
        "dropdown, multiselect, radio, date, datetime, hidden, rating",
    )
    required: bool
    multiple: bool
    choices: list[str]
    allow_other: bool
    other_key: str | None = Field(None, description="选择“其他”（__other__）时填写内容的键")
    rating: RatingOut | None


class MyStatusOut(Schema):
    can_answer: bool
    reason: str | None = Field(None, description="不能回答的原因（与网站上的提示相同）")
    reason_code: str | None = None
    answered: bool
    can_edit: bool
    results_visible: bool


class SurveyOut(SurveyCardOut):
    intro: str = Field(..., description="HTML")
    thank_you_text: str = Field(..., description="HTML")
    audience_areas: list[str]
    login_required: bool
    results_visibility: str
    questions: list[QuestionOut]
    me: MyStatusOut


def _survey_or_404(survey_id: int) -> SurveyPage:
    survey = selectors.live_survey(survey_id=survey_id)
    if survey is None:
        raise Http404
    return survey


def _questions(survey: SurveyPage) -> list[dict]:
    rows = []
    for q in survey.get_form_fields():
        key = q.clean_name or q.get_field_clean_name()
        rows.append(
            {
                "id": q.pk,
                "key": key,
                "label": q.label,
                "help_text": q.help_text,
                "type": q.field_type,
                "required": q.required,
                "multiple": q.is_multiple,
                "choices": q.option_list(),
                "allow_other": q.is_choice and q.allow_other,
                "other_key": key + OTHER_SUFFIX if q.is_choice and q.allow_other else None,
                "rating": {
                    "low_label": q.rating_low_label,
                    "high_label": q.rating_high_label,
                }
                if q.is_rating
                else None,
            }
        )
    return rows


def _visitor_token(survey: SurveyPage, user, visitor_token: str | None) -> str:
    """The visitor's token, where it counts: not for an account, nor for a survey that
    requires login (as on the site, whose visitor cookie those surveys ignore)."""
    if user.is_authenticated or survey.requires_login:
        return ""
    return visitor_token or ""


def _my_status(survey: SurveyPage, user, now, visitor_token: str = "") -> dict:
    from django.core.exceptions import ValidationError

    existing = selectors.survey_response_for(survey=survey, user=user, visitor_token=visitor_token)
    reason = code = None
    if existing is None:
        try:
            services.survey_check_can_answer(survey=survey, user=user, now=now)
        except ValidationError as error:
            reason, code = error.messages[0], error.code
    return {
        "can_answer": existing is None and reason is None,
        "reason": reason,
        "reason_code": code,
        "answered": existing is not None,
        "can_edit": existing is not None and survey.status(now) == "open",
        "results_visible": permissions.can_view_results(user, survey, now),
    }


@router.get("/{survey_id}", response=SurveyOut, summary="问卷详情与题目")
def survey_detail(request, survey_id: ObjectId, visitor_token: VisitorTokenHeader = None):
    """The survey and its questions; `me` says whether I may answer (a survey without
    `login_required` takes visitors' answers) and whether I already did."""
    user = optional_user(request)
    survey = _survey_or_404(survey_id)
    now = timezone.now()
    return {
        **_card(survey, now),
        "response_count": SurveyResponse.objects.filter(survey=survey).count(),
        "intro": expand_db_html(survey.intro),
        "thank_you_text": expand_db_html(survey.thank_you_text),
        "audience_areas": services.survey_audience_names(survey=survey)
        if survey.audience == SurveyPage.Audience.SELECTED
        else [],
        "login_required": survey.requires_login,
        "results_visibility": survey.results_visibility,
        "questions": _questions(survey),
        "me": _my_status(survey, user, now, _visitor_token(survey, user, visitor_token)),
    }


# --- Answering ------------------------------------------------------------------------------


class AnswersIn(Schema):
    answers: dict[str, AnswerValue] = Field(
        ...,
        description="题目的 key → 回答：单选/下拉/评分为字符串或数字，多选为字符串列表，"
        "是非题为 true/false，文字题为字符串；“其他”的内容放在 other_key 下",
    )


class MyResponseOut(Schema):
    survey_id: int
    submitted_at: datetime.datetime
    updated_at: datetime.datetime
    answers: dict[str, AnswerValue]
    visitor_token: str | None = Field(
        None,
        description="不登录回答时：这份答卷的访客标识（以后查看、修改时放在 X-Visitor-Token "
        "请求头里）；登录用户为 null",
    )


def _form_data(answers: dict[str, AnswerValue]) -> MultiValueDict:
    """The JSON answers as the posted form data that the survey's form reads."""
    data = MultiValueDict()
    for key, value in answers.items():
        if value is None or value is False:
            continue
        if value is True:
            data.setlist(key, ["on"])
        elif isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        else:
            data.setlist(key, [str(value)])
    return data


def _my_response(
    survey: SurveyPage, response: SurveyResponse, answers=None, visitor_token: str = ""
) -> dict:
    questions = survey.get_form_fields()
    initial = initial_from_response(
        questions, response.answers.all() if answers is None else answers
    )
    answers: dict[str, AnswerValue] = {}
    for question in questions:
        value = initial.get(question.clean_name)
        if question.is_rating and value is not None:
            value = int(value)
        answers[question.clean_name] = value
        other = question.clean_name + OTHER_SUFFIX
        if other in initial:
            answers[other] = initial[other]
    return {
        "survey_id": survey.pk,
        "submitted_at": response.submitted_at,
        "updated_at": response.updated_at,
        "answers": answers,
        "visitor_token": visitor_token or None,
    }


def _respondent(request, survey: SurveyPage, visitor_token: str | None, *, create=False) -> dict:
    """Who answers: the account, or (where the survey takes visitors) the visitor's token,
    a new one when `create` and the visitor has none. A visitor on a survey that requires
    login, or without a token where one is needed, is asked to log in (401)."""
    if request.auth is not VISITOR:
        return {"user": request.user, "visitor_token": ""}
    if survey.requires_login or not (visitor_token or create):
        raise AuthenticationError
    return {"user": None, "visitor_token": visitor_token or secrets.token_urlsafe(24)}


@router.post(
    "/{survey_id}/response",
    response={201: MyResponseOut},
    auth=AUTH_OR_VISITOR,
    summary="提交答卷",
)
def survey_submit(
    request,
    survey_id: ObjectId,
    payload: AnswersIn,
    idempotency_key: IdempotencyKeyHeader = None,
    visitor_token: VisitorTokenHeader = None,
):
    """One response per person (a database rule). With an Idempotency-Key, a retry returns
    the first answer instead of "您已经提交过这份问卷". Without logging in (a survey that
    is not `login_required`): the answer is the visitor's, and the response carries its
    `visitor_token`; an Idempotency-Key then needs the X-Visitor-Token header, so that the
    retry is known to come from the same visitor."""
    from django.core.exceptions import ValidationError

    survey = _survey_or_404(survey_id)
    respondent = _respondent(request, survey, visitor_token, create=True)
    visitor = respondent["user"] is None
    if visitor and idempotency_key and not visitor_token:
        raise ValidationError(
            _("不登录提交答卷时，Idempotency-Key 需要与 X-Visitor-Token 请求头一起使用。"),
            code="visitor_token_required",
        )

    def produce():
        if visitor:
            services.survey_visitor_rate_check(
                survey=survey, client_address=client_address(request)
            )
        response = services.survey_submit(
            survey=survey, data=_form_data(payload.answers), **respondent
        )
        body = _my_response(
            survey,
            response,
            answers=response.saved_answers,
            visitor_token=respondent["visitor_token"],
        )
        return json_response(MyResponseOut, body, status=201)

    return idempotent(
        request,
        key=idempotency_key,
        endpoint=f"surveys:{survey.pk}:response",
        produce=produce,
        visitor_token=respondent["visitor_token"],
        # Rows in this database only: the key's row goes in after the answer, with it.
        claim_first=False,
    )


def _own_response(survey: SurveyPage, respondent: dict) -> SurveyResponse:
    response = selectors.survey_response_for(survey=survey, **respondent)
    if response is None:
        raise Http404
    return response


@router.get(
    "/{survey_id}/response", response=MyResponseOut, auth=AUTH_OR_VISITOR, summary="我的答卷"
)
def survey_my_response(request, survey_id: ObjectId, visitor_token: VisitorTokenHeader = None):
    """My response; a visitor's with the X-Visitor-Token it was given."""
    survey = _survey_or_404(survey_id)
    respondent = _respondent(request, survey, visitor_token)
    return _my_response(
        survey, _own_response(survey, respondent), visitor_token=respondent["visitor_token"]
    )


@router.put(
    "/{survey_id}/response",
    response=MyResponseOut,
    auth=AUTH_OR_VISITOR,
    summary="修改答卷（征集期间）",
)
def survey_response_update(
    request, survey_id: ObjectId, payload: AnswersIn, visitor_token: VisitorTokenHeader = None
):
    survey = _survey_or_404(survey_id)
    respondent = _respondent(request, survey, visitor_token)
    response = services.survey_response_update(
        survey=survey, data=_form_data(payload.answers), **respondent
    )
    return _my_response(survey, response, visitor_token=respondent["visitor_token"])


# --- Results ---------------------------------------------------------------------------------


class ResultRowOut(Schema):
    label: str
    value: str
    count: int
    percent: float


class QuestionResultOut(Schema):
    id: int
    label: str
    type: str
    answered: int | None = Field(None, description="回答人数（多选题为 null：按选项计数）")
    mean: float | None
    rows: list[ResultRowOut] = Field(..., description="各选项或分值的人数；文字题为空")


class ResultsOut(Schema):
    survey_id: int
    total: int
    first_at: datetime.datetime | None
    last_at: datetime.datetime | None
    questions: list[QuestionResultOut]


class AreaParams(Schema):
    street: int | None = Field(None, ge=1, le=2**63 - 1)
    community: int | None = Field(None, ge=1, le=2**63 - 1)


@router.get(
    "/{survey_id}/results", response={200: ResultsOut, 304: None}, summary="问卷结果（公开时）"
)
def survey_results(request, survey_id: ObjectId, area: Query[AreaParams]):
    """Counts per option and rating, as on the results page, when the survey's results are
    public (or for survey staff); free-text answers are never in the API."""
    page_cache.depends_on(request, survey_tag(survey_id), ttl=CLOCK_TTL)
    from django.core.exceptions import PermissionDenied

    user = optional_user(request)
    survey = _survey_or_404(survey_id)
    if not permissions.can_view_results(user, survey):
        raise PermissionDenied(_("这份问卷的结果暂不公开。"))
    data = selectors.survey_results_cached(
        survey=survey, street_id=area.street, community_id=area.community
    )
    result = {
        "survey_id": survey.pk,
        "total": data.total,
        "first_at": data.first_at,
        "last_at": data.last_at,
        "questions": [
            {
                "id": q.question.pk,
                "label": q.question.label,
                "type": q.question.field_type,
                "answered": q.answered,
                "mean": q.mean,
                "rows": [vars(row) for row in q.rows],
            }
            for q in data.questions
        ],
    }
    return with_etag(request, ResultsOut, result)
