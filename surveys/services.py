"""The rules of answering a survey: open/close times, who may answer, one response per person
(a database unique constraint; the checks here only give the friendly message first)."""

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.formats import date_shown
from portal.models import User
from portal.notifications import notify_in_chunks
from portal.prepared import insert_all
from portal.ratelimits import rate_limit_hit
from surveys.models import SurveyAnnouncement, SurveyAnswer, SurveyPage, SurveyResponse
from surveys.respondents import home_area, respondent_key
from surveys.results_cache import survey_results_changed


def _audience_ids(survey: SurveyPage) -> tuple[set[int], set[int]]:
    cached = getattr(survey, "_audience_ids_cache", None)
    if cached is None:
        cached = (
            {s.pk for s in survey.audience_streets.all()},
            {c.pk for c in survey.audience_communities.all()},
        )
        survey._audience_ids_cache = cached
    return cached


def survey_audience_names(*, survey: SurveyPage) -> list[str]:
    return [s.name for s in survey.audience_streets.all()] + [
        c.name for c in survey.audience_communities.all()
    ]


def survey_opened_audience(*, survey_id: int):
    """The people a survey is for, while it is live and open (None otherwise: an announcement
    that runs late, after the survey was unpublished or closed, tells nobody): everyone for
    a district survey; for a selected one, the residents whose home grid lies in its streets
    or communities and was set before it opened (the rule of survey_check_can_answer)."""
    survey = SurveyPage.objects.live().public().filter(pk=survey_id).first()
    if survey is None or survey.status() != "open":
        return None
    people = User.objects.all()
    if survey.audience == SurveyPage.Audience.SELECTED:
        streets, communities = _audience_ids(survey)
        people = people.filter(
            Q(home_grid__community__street_id__in=streets)
            | Q(home_grid__community_id__in=communities)
        ).filter(Q(home_grid_set_at__isnull=True) | Q(home_grid_set_at__lte=survey.opens_at))
    return people


def _survey_announcement_queue(survey: SurveyPage) -> None:
    notify_in_chunks(
        audience="surveys.survey_opened",
        params={"survey_id": survey.pk},
        kind="survey_opened",
        subject=_("新问卷：%(title)s") % {"title": survey.title},
        body=survey.summary
        or _("截止时间：%(time)s") % {"time": date_shown(survey.closes_at, "DATETIME_FORMAT")},
        url=survey.url or "",
        event_key=f"survey_opened:{survey.pk}",
    )


def survey_announce(*, survey: SurveyPage) -> None:
    """Tell the survey's audience that it is open ("survey_opened", which people turn on in
    their message settings), off the request in chunks (portal.notifications). Once per
    person and survey: publishing again tells only people who joined the audience since.
    A survey that opens later is announced by surveys_announce_due once it opens; one
    already closed is not announced."""
    if survey.status() != "open":
        return
    with transaction.atomic():
        SurveyAnnouncement.objects.get_or_create(survey_id=survey.pk)
        _survey_announcement_queue(survey)


def surveys_announce_due(*, now=None) -> int:
    """Announce every live survey that has opened, is not closed and was not announced yet
    (published before it opened); returns how many. Run every minute by
    `manage.py surveys_announce_due` from cron and, where no cron runs, from the request path
    (portal.periodic). The SurveyAnnouncement row is the claim: of two runs at once, the one
    whose insert wins tells the audience; the other finds the row and does nothing."""
    now = now or timezone.now()
    due = (
        SurveyPage.objects.live()
        .public()
        .filter(opens_at__lte=now, closes_at__gt=now, announcement__isnull=True)
        .order_by("opens_at", "pk")
    )
    announced = 0
    for survey in due:
        with transaction.atomic():
            _, claimed = SurveyAnnouncement.objects.get_or_create(survey_id=survey.pk)
            if claimed:
                _survey_announcement_queue(survey)
                announced += 1
    return announced


def survey_check_can_answer(*, survey: SurveyPage, user=None, now=None) -> None:
    """Raise a ValidationError (with a code the pages use) when this person may not answer
    now: not open yet, closed, login required, or living outside the survey's audience."""
    now = now or timezone.now()
    status = survey.status(now)
    if status == "upcoming":
        raise ValidationError(_("这份问卷还没有开始。"), code="not_open")
    if status == "closed":
        raise ValidationError(_("这份问卷已经截止，不再接受回答。"), code="closed")
    logged_in = user is not None and user.is_authenticated
    if survey.requires_login and not logged_in:
        raise ValidationError(_("请先登录再回答这份问卷。"), code="login_required")
    if survey.audience == SurveyPage.Audience.SELECTED:
        street_id, community_id = home_area(user)
        if community_id is None:
            raise ValidationError(
                _("这份问卷只面向指定街道或社区的居民。请先在“我的”里设置您的所在网格。"),
                code="no_home_grid",
            )
        streets, communities = _audience_ids(survey)
        if street_id not in streets and community_id not in communities:
            raise ValidationError(
                _("这份问卷只面向%(areas)s的居民，您的所在网格不在其中，所以不能回答。")
                % {"areas": "、".join(survey_audience_names(survey=survey))},
                code="outside_audience",
            )
        set_at = user.home_grid_set_at
        if set_at is not None and set_at > survey.opens_at:
            # A grid chosen after the survey opened does not count: otherwise anyone could
            # move into the survey's area for a day to answer it.
            raise ValidationError(
                _(
                    "这份问卷只面向开始前（%(opens)s）已登记在%(areas)s的居民。"
                    "您的所在网格是在%(set_at)s设置的，所以不能回答这份问卷。"
                )
                % {
                    "opens": date_shown(survey.opens_at, "DATETIME_FORMAT"),
                    "areas": "、".join(survey_audience_names(survey=survey)),
                    "set_at": date_shown(set_at, "DATETIME_FORMAT"),
                },
                code="home_grid_too_recent",
            )


def survey_visitor_rate_check(*, survey: SurveyPage, client_address: str) -> None:
    """Count one visitor submission from this address and refuse it past the limit
    (settings.SURVEY_VISITOR_RATE_LIMIT: responses per address and survey, and the window
    in seconds). Visitors are told apart only by a cookie, which anyone can drop; the count
    lives in the cache, shared by every worker when it is Redis."""
    limit, period = settings.SURVEY_VISITOR_RATE_LIMIT
    if not rate_limit_hit(
        scope=f"survey-visitor:{survey.pk}", key=client_address, limit=limit, period=period
    ):
        raise ValidationError(
            _(
                "这个网络地址提交的答卷太多了，请稍后再提交。您填写的内容还在，不会丢失；"
                "也可以登录后再提交。"
            ),
            code="rate_limited",
        )


def _validated_rows(*, survey: SurveyPage, user, data: Mapping) -> list[dict]:
    form = survey.get_form(data, page=survey, user=user)
    if not form.is_valid():
        raise ValidationError(
            {field: list(errors) for field, errors in form.errors.items()}, code="invalid"
        )
    return form.answer_rows()


def _answer_objects(*, response: SurveyResponse, rows: list[dict]) -> list[SurveyAnswer]:
    return [
        SurveyAnswer(
            response=response,
            survey_id=response.survey_id,
            street_id_snapshot=response.street_id,
            community_id_snapshot=response.community_id,
            **row,
        )
        for row in rows
    ]


RESPONSE_COLUMNS = (
    "survey",
    "respondent_key",
    "user",
    "street",
    "community",
    "submitted_at",
    "updated_at",
)


def _insert_response(response: SurveyResponse) -> bool:
    """Insert the response, or find that this person has answered already: one statement
    (INSERT ... ON CONFLICT DO NOTHING RETURNING, PostgreSQL and SQLite ≥ 3.35), which
    either unique constraint (one response per respondent key, one per account) turns into
    no row. No savepoint and no error to recover from, so it can run inside a caller's
    transaction (the API's, with its idempotency key). Sets the response's primary key."""
    fields = [SurveyResponse._meta.get_field(name) for name in RESPONSE_COLUMNS]
    table = connection.ops.quote_name(SurveyResponse._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    values = [
        field.get_db_prep_save(field.pre_save(response, True), connection) for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608 - the model's names
            "ON CONFLICT DO NOTHING RETURNING id",
            values,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    response.pk = row[0]
    response._state.adding = False
    response._state.db = connection.alias
    return True


def survey_submit(
    *, survey: SurveyPage, user=None, visitor_token: str = "", data: Mapping, now=None
) -> SurveyResponse:
    """Store one person's answers: one SurveyResponse and its SurveyAnswer rows, atomically.
    A second response by the same person is refused by the unique constraints even when both
    arrive at the same moment. The response returned carries its answers as `saved_answers`
    (for an answer page that shows them without reading them again)."""
    now = now or timezone.now()
    survey_check_can_answer(survey=survey, user=user, now=now)
    logged_in = user is not None and user.is_authenticated
    key = respondent_key(
        survey_id=survey.pk, user=user if logged_in else None, visitor_token=visitor_token
    )
    rows = _validated_rows(survey=survey, user=user, data=data)
    street_id, community_id = home_area(user) if logged_in else (None, None)
    response = SurveyResponse(
        survey=survey,
        respondent_key=key,
        user=user if logged_in and not survey.anonymous else None,
        street_id=street_id,
        community_id=community_id,
        submitted_at=now,
        updated_at=now,
    )
    # A refusal is decided before anything else is written and raised after the block, so
    # inside a caller's transaction the block needs no savepoint.
    with transaction.atomic(savepoint=False):
        inserted = _insert_response(response)
        if inserted:
            response.saved_answers = insert_all(_answer_objects(response=response, rows=rows))
            survey_results_changed(survey_id=survey.pk)
    if not inserted:
        raise ValidationError(
            _("您已经提交过这份问卷，每人只能提交一份。"), code="already_answered"
        )
    return response


def survey_response_update(
    *, survey: SurveyPage, user=None, visitor_token: str = "", data: Mapping, now=None
) -> SurveyResponse:
    """Replace the answers of this person's earlier response while the survey is open."""
    now = now or timezone.now()
    if survey.status(now) != "open":
        raise ValidationError(_("问卷已经截止，答案不能再修改。"), code="closed")
    logged_in = user is not None and user.is_authenticated
    if not logged_in and not visitor_token:
        raise ValidationError(_("请先登录再修改答案。"), code="login_required")
    key = respondent_key(
        survey_id=survey.pk, user=user if logged_in else None, visitor_token=visitor_token
    )
    rows = _validated_rows(survey=survey, user=user, data=data)
    with transaction.atomic():
        response = SurveyResponse.objects.select_for_update().filter(respondent_key=key).first()
        if response is None:
            raise ValidationError(_("没有找到您之前的答卷。"), code="no_response")
        response.answers.all().delete()
        SurveyAnswer.objects.bulk_create(_answer_objects(response=response, rows=rows))
        response.updated_at = now
        response.save(update_fields=["updated_at"])
        survey_results_changed(survey_id=survey.pk)
    return response
