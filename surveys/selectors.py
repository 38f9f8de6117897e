"""Reads shared by the survey pages, the home and account sections and the exports, each built
to a fixed number of queries. Results are counted by the database (GROUP BY)."""

import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.models import Community, Street
from portal.selectors import public_pages
from surveys.models import OTHER, SurveyAnswer, SurveyPage, SurveyQuestion, SurveyResponse
from surveys.services import respondent_key


def survey_response_for(*, survey: SurveyPage, user=None, visitor_token: str = ""):
    """This person's response to the survey, or None."""
    logged_in = user is not None and user.is_authenticated
    if not logged_in and not visitor_token:
        return None
    key = respondent_key(
        survey_id=survey.pk, user=user if logged_in else None, visitor_token=visitor_token
    )
    return SurveyResponse.objects.filter(survey=survey, respondent_key=key).first()


# Results -----------------------------------------------------------------------------------


@dataclass
class ResultRow:
    label: str
    count: int
    percent: float
    value: str = ""


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    rows: list[ResultRow] = field(default_factory=list)
    mean: float | None = None

    @property
    def is_text(self) -> bool:
        return not self.question.is_counted


@dataclass
class SurveyResults:
    survey: SurveyPage
    total: int
    first_at: object
    last_at: object
    questions: list[QuestionResult]


def _percent(count: int, total: int) -> float:
    return round(100.0 * count / total, 1) if total else 0.0


def survey_results(
    *, survey: SurveyPage, street_id: int | None = None, community_id: int | None = None
) -> SurveyResults:
    """Counts per option and rating value, means of ratings, the number of answers to text
    questions: three queries (questions, response totals, one GROUP BY over the answers)
    whatever the number of responses. Percentages are of all responses in the selection."""
    questions = survey.get_form_fields()
    responses = SurveyResponse.objects.filter(survey=survey)
    answers = SurveyAnswer.objects.filter(survey=survey)
    if community_id:
        responses = responses.filter(community_id=community_id)
        answers = answers.filter(community_id_snapshot=community_id)
    elif street_id:
        responses = responses.filter(street_id=street_id)
        answers = answers.filter(street_id_snapshot=street_id)
    totals = responses.aggregate(
        total=Count("pk"), first_at=Min("submitted_at"), last_at=Max("submitted_at")
    )
    total = totals["total"]
    grouped: dict[int, list[tuple[str, int | None, int]]] = {}
    if total:
        for question_id, option, rating, count in (
            answers.order_by()
            .values_list("question_id", "option", "rating")
            .annotate(n=Count("*"))
            .values_list("question_id", "option", "rating", "n")
        ):
            grouped.setdefault(question_id, []).append((option, rating, count))

    results = []
    for question in questions:
        result = QuestionResult(question=question)
        counts = grouped.get(question.pk, [])
        result.answered = sum(c for _o, _r, c in counts)
        if question.is_rating:
            by_value = {r: c for _o, r, c in counts if r}
            for value in range(1, 6):
                label = str(value)
                if value == 1 and question.rating_low_label:
                    label = f"1 {question.rating_low_label}"
                elif value == 5 and question.rating_high_label:
                    label = f"5 {question.rating_high_label}"
                count = by_value.get(value, 0)
                result.rows.append(ResultRow(label, count, _percent(count, total), str(value)))
            rated = sum(by_value.values())
            if rated:
                result.mean = round(sum(v * c for v, c in by_value.items()) / rated, 2)
        elif question.is_choice:
            by_option = {o: c for o, _r, c in counts}
            # Distinct respondents, not option picks, for multiple-choice questions is not
            # needed for the bars: each bar is "how many responses chose this".
            for option in question.option_list():
                count = by_option.pop(option, 0)
                result.rows.append(ResultRow(option, count, _percent(count, total), option))
            other = by_option.pop(OTHER, 0)
            if question.allow_other or other:
                result.rows.append(ResultRow(_("其他"), other, _percent(other, total), OTHER))
            # Options renamed or removed after responses came in keep their counts.
            for option, count in sorted(by_option.items()):
                result.rows.append(ResultRow(option, count, _percent(count, total), option))
            if question.is_multiple:
                result.answered = None  # picks, not respondents
        elif question.field_type == "checkbox":
            by_option = {o: c for o, _r, c in counts}
            for value, label in (("1", _("是")), ("0", _("否"))):
                count = by_option.get(value, 0)
                result.rows.append(ResultRow(label, count, _percent(count, total), value))
        results.append(result)
    return SurveyResults(
        survey=survey,
        total=total,
        first_at=totals["first_at"],
        last_at=totals["last_at"],
        questions=results,
    )


RESULTS_CACHE_SECONDS = 300


def _cache_prefix(survey_id: int) -> str:
    # The database name keeps test databases (and several sites on one Redis) apart.
    return f"surveys:{connection.settings_dict['NAME']}:{survey_id}"


def survey_results_version(*, survey_id: int) -> int:
    key = _cache_prefix(survey_id) + ":version"
    version = cache.get(key)
    if version is None:
        # A fresh, never-used number: a version lost from the cache is never reused.
        cache.add(key, time.time_ns(), timeout=None)
        version = cache.get(key)
    return version


def survey_results_changed(*, survey_id: int) -> None:
    """Called when a response is stored or changed: the cached results are stale."""
    key = _cache_prefix(survey_id) + ":version"
    try:
        cache.incr(key)
    except ValueError:
        cache.add(key, time.time_ns(), timeout=None)


def survey_results_cached(
    *, survey: SurveyPage, street_id: int | None = None, community_id: int | None = None
) -> SurveyResults:
    """survey_results() through the cache, keyed by a version that every new or changed
    response bumps; large surveys are counted once per change, not once per page view."""
    version = survey_results_version(survey_id=survey.pk)
    language = get_language() or ""
    key = f"{_cache_prefix(survey.pk)}:{version}:{language}:{street_id or 0}:{community_id or 0}"
    cached = cache.get(key)
    questions = {q.pk: q for q in survey.get_form_fields()}
    if cached is not None and set(cached["questions"]) == set(questions):
        rows = cached
    else:
        results = survey_results(survey=survey, street_id=street_id, community_id=community_id)
        rows = {
            "total": results.total,
            "first_at": results.first_at,
            "last_at": results.last_at,
            "questions": {
                r.question.pk: (r.answered, [vars(row) for row in r.rows], r.mean)
                for r in results.questions
            },
        }
        cache.set(key, rows, RESULTS_CACHE_SECONDS)
        return results
    return SurveyResults(
        survey=survey,
        total=rows["total"],
        first_at=rows["first_at"],
        last_at=rows["last_at"],
        questions=[
            QuestionResult(
                question=question,
                answered=rows["questions"][pk][0],
                rows=[ResultRow(**row) for row in rows["questions"][pk][1]],
                mean=rows["questions"][pk][2],
            )
            for pk, question in questions.items()
        ],
    )


def area_choices(*, survey: SurveyPage) -> tuple[list[Street], list[Community]]:
    """Streets and communities offered by the results filter (two queries)."""
    streets = list(Street.objects.order_by("code").only("pk", "name", "code"))
    communities = list(
        Community.objects.order_by("street__code", "code").only("pk", "name", "street_id")
    )
    return streets, communities


def responses_in_scope(*, survey: SurveyPage, scope: set[int] | None):
    """The responses a staff member may export: respondents of the communities in `scope`
    (None: all). The export and the sentence that says what it covers both count these."""
    responses = SurveyResponse.objects.filter(survey=survey)
    if scope is not None:
        responses = responses.filter(community_id__in=scope)
    return responses


def response_export_scope(*, survey: SurveyPage, scope: set[int] | None) -> dict:
    """What the responses export covers, for includes/export_scope.html (2 queries)."""
    count = responses_in_scope(survey=survey, scope=scope).count()
    if scope is None:
        return {"kind": "all", "count": count}
    communities = Community.objects.filter(pk__in=scope).order_by("code")
    names = "、".join(communities.values_list("name", flat=True))
    return {"kind": "communities", "count": count, "names": names}


def text_answers(*, survey: SurveyPage, question: SurveyQuestion, scope: set[int] | None):
    """The free-text answers to one question (text questions and "其他"), newest first,
    limited to the respondents of the communities in `scope` (None: all)."""
    answers = SurveyAnswer.objects.filter(survey=survey, question=question).exclude(text="")
    if scope is not None:
        answers = answers.filter(community_id_snapshot__in=scope)
    return answers.select_related("response").order_by("-pk")


def paginate(request, queryset, per_page: int):
    paginator = Paginator(queryset, per_page)
    return paginator.get_page(request.GET.get("page", 1))


# Lists ---------------------------------------------------------------------------------------


def _live_surveys():
    return public_pages(SurveyPage.objects.live())


def survey_index(*, index_page, request) -> dict:
    """The survey index: open (and upcoming) or closed surveys, paginated."""
    now = timezone.now()
    tab = "closed" if request.GET.get("tab") == "closed" else "open"
    surveys = _live_surveys().child_of(index_page)
    if tab == "closed":
        surveys = surveys.filter(closes_at__lte=now).order_by("-closes_at", "-pk")
    else:
        surveys = surveys.filter(closes_at__gt=now).order_by("closes_at", "pk")
    # A correlated COUNT over the (survey, submitted_at) index, not a JOIN + GROUP BY of
    # every page column with every response.
    counts = (
        SurveyResponse.objects.filter(survey=OuterRef("pk"))
        .order_by()
        .values("survey")
        .annotate(n=Count("*"))
        .values("n")
    )
    surveys = surveys.annotate(
        response_count=Coalesce(Subquery(counts, output_field=IntegerField()), 0)
    ).only("title", "url_path", "summary", "opens_at", "closes_at", "audience", "anonymous")
    page_obj = paginate(request, surveys, index_page.paginate_by)
    return {"tab": tab, "page_obj": page_obj, "surveys": page_obj.object_list, "now": now}


def open_surveys_for(*, user, limit: int = 4) -> list[SurveyPage]:
    """Open surveys for the home page, those this person may still answer first (two
    queries: the user's home area and the surveys)."""
    now = timezone.now()
    surveys = _live_surveys().filter(opens_at__lte=now, closes_at__gt=now)
    street_id = community_id = None
    logged_in = user is not None and user.is_authenticated
    if logged_in and user.home_grid_id:
        from surveys.services import _home_area

        street_id, community_id = _home_area(user)
    eligible = Q(audience=SurveyPage.Audience.DISTRICT)
    if community_id:
        in_area = Q(audience_streets=street_id) | Q(audience_communities=community_id)
        if user.home_grid_set_at is not None:
            in_area &= Q(opens_at__gte=user.home_grid_set_at)
        eligible |= in_area
    eligible_ids = SurveyPage.objects.filter(eligible).values("pk")
    surveys = surveys.annotate(
        eligible=Exists(eligible_ids.filter(pk=OuterRef("pk"))),
    )
    if logged_in:
        surveys = surveys.annotate(
            answered=Exists(SurveyResponse.objects.filter(survey=OuterRef("pk"), user=user))
        ).order_by("answered", "-eligible", "closes_at", "pk")
    else:
        surveys = surveys.order_by("-eligible", "closes_at", "pk")
    return list(
        surveys.only("title", "url_path", "summary", "closes_at", "audience", "anonymous")[:limit]
    )


def my_responses(*, user) -> list[SurveyResponse]:
    """The user's responses, including to anonymous surveys (found through their keyed hash):
    two queries."""
    anonymous_ids = list(_live_surveys().filter(anonymous=True).values_list("pk", flat=True))
    keys = [respondent_key(survey_id=pk, user=user) for pk in anonymous_ids]
    return list(
        SurveyResponse.objects.filter(Q(user=user) | Q(respondent_key__in=keys))
        .select_related("survey")
        .only(
            "submitted_at",
            "updated_at",
            "survey__title",
            "survey__url_path",
            "survey__closes_at",
            "survey__opens_at",
            "survey__results_visibility",
            "survey__anonymous",
        )
        .order_by("-submitted_at")
    )
