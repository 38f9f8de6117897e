"""Reads shared by the survey pages, the home and account sections and the exports, each built
to a fixed number of queries. Results are counted by the database (GROUP BY)."""

import copy
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from portal import page_cache
from portal.cache import LocalCopies
from portal.models import Community, Street
from portal.selectors import public_pages
from surveys import results_cache
from surveys.models import SurveyAnswer, SurveyPage, SurveyQuestion, SurveyResponse
from surveys.question_types import ResultRow
from surveys.respondents import (
    answered_survey_ids,
    home_area,
    respondent_key,
    responses_of,
)
from surveys.results_cache import (  # noqa: F401 - survey_results_changed: importable from here
    survey_results_changed,
    survey_results_version,
)

# A live survey's page, questions and answer form, kept in each process between requests.
_kept_surveys: LocalCopies[SurveyPage] = LocalCopies(ttl=60)


def survey_definition_key(survey_id: int) -> str:
    """The version key bumped when a survey's questions change (surveys.signals)."""
    return results_cache.cache_prefix(survey_id) + ":definition"


def live_survey(*, survey_id: int) -> SurveyPage | None:
    """A live survey outside every view restriction, with its questions and its answer form
    class, or None: what the API's survey endpoints work on. Kept in this process while
    nothing it was built from changes, so that an answer costs no query for the survey, its
    questions or its form: any page's save, publish, move or deletion bumps the page cache's
    "site" tag and a question's save or deletion the survey's definition key (one round trip
    to the cache reads both); a change that bumps neither (an SQL update) is seen within a
    minute. Each call returns a copy of its own."""

    def build() -> SurveyPage | None:
        survey = SurveyPage.objects.live().filter(pk=survey_id).first()
        if survey is None or survey.get_view_restrictions().exists():
            # Read from the database when the copy is made: a view restriction's save or
            # deletion bumps "site" (portal.page_cache), and the next call makes a new copy.
            return None
        survey.get_form_class()  # the questions (one query) and the form class, kept
        return survey

    keys = [*page_cache.tag_keys(["site"]), survey_definition_key(survey_id)]
    survey = _kept_surveys.get(survey_id, keys, build)
    return None if survey is None else copy.copy(survey)


def survey_response_for(*, survey: SurveyPage, user=None, visitor_token: str = ""):
    """This person's response to the survey, or None."""
    logged_in = user is not None and user.is_authenticated
    if not logged_in and not visitor_token:
        return None
    key = respondent_key(
        survey_id=survey.pk, user=user if logged_in else None, visitor_token=visitor_token
    )
    # By the key alone, the unique index's own column (SurveyResponse's constraints).
    return SurveyResponse.objects.filter(respondent_key=key).first()


# Results -----------------------------------------------------------------------------------


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int | None = 0
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


def _in_area(queryset, *, prefix: str, street_id: int | None, community_id: int | None):
    """Responses (prefix "") or answers (prefix "_snapshot") of one community or street."""
    if community_id:
        return queryset.filter(**{f"community_id{prefix}": community_id})
    if street_id:
        return queryset.filter(**{f"street_id{prefix}": street_id})
    return queryset


def _answer_counts(answers) -> dict[int, dict[tuple[str, int | None], int]]:
    """{question id: {(option, rating): answers}}, counted by the database in one query."""
    counts: dict[int, dict[tuple[str, int | None], int]] = {}
    for question_id, option, rating, count in (
        answers.order_by()
        .values_list("question_id", "option", "rating")
        .annotate(n=Count("*"))
        .values_list("question_id", "option", "rating", "n")
    ):
        counts.setdefault(question_id, {})[option, rating] = count
    return counts


def _question_result(question: SurveyQuestion, counts: dict, total: int) -> QuestionResult:
    kind = question.question_type
    return QuestionResult(
        question=question,
        answered=kind.answered(counts),
        rows=kind.result_rows(question, counts, total),
        mean=kind.mean(counts),
    )


def survey_results(
    *, survey: SurveyPage, street_id: int | None = None, community_id: int | None = None
) -> SurveyResults:
    """Counts per option and rating value, means of ratings, the number of answers to text
    questions: three queries (questions, response totals, one GROUP BY over the answers)
    whatever the number of responses. Percentages are of all responses in the selection.
    Each question's type turns its counts into rows (surveys.question_types)."""
    area = {"street_id": street_id, "community_id": community_id}
    questions = survey.get_form_fields()
    responses = _in_area(SurveyResponse.objects.filter(survey=survey), prefix="", **area)
    totals = responses.aggregate(
        total=Count("pk"), first_at=Min("submitted_at"), last_at=Max("submitted_at")
    )
    total = totals["total"]
    counts = {}
    if total:
        answers = SurveyAnswer.objects.filter(survey=survey)
        counts = _answer_counts(_in_area(answers, prefix="_snapshot", **area))
    return SurveyResults(
        survey=survey,
        total=total,
        first_at=totals["first_at"],
        last_at=totals["last_at"],
        questions=[_question_result(q, counts.get(q.pk, {}), total) for q in questions],
    )


RESULTS_CACHE_SECONDS = 300


def survey_results_cached(
    *, survey: SurveyPage, street_id: int | None = None, community_id: int | None = None
) -> SurveyResults:
    """survey_results() through the cache, keyed by a version that every new or changed
    response bumps; large surveys are counted once per change, not once per page view."""
    version = survey_results_version(survey_id=survey.pk)
    language = get_language() or ""
    prefix = results_cache.cache_prefix(survey.pk)
    key = f"{prefix}:{version}:{language}:{street_id or 0}:{community_id or 0}"
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
    """Streets and communities offered by the results filter, in one query (a street
    without communities has no respondents to filter by)."""
    communities = list(
        Community.objects.select_related("street")
        .order_by("street__code", "code")
        .only("pk", "name", "street_id", "street__name", "street__code")
    )
    streets = list({community.street_id: community.street for community in communities}.values())
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


def survey_index(*, index_page, tab: str, request) -> dict:
    """The survey index: open (and upcoming) or closed surveys (`tab`), paginated."""
    now = timezone.now()
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


def open_surveys_for(*, user, visitor_token: str = "", limit: int = 4) -> list[SurveyPage]:
    """Open surveys for the home page, those this person may still answer first. `answered`
    is found by the respondent's keyed hash, like the survey page finds the response, so it
    holds for anonymous surveys (whose responses keep no user) and for visitors (by their
    token). One query for visitors without a token, four otherwise: the user's home area,
    the open surveys' ids in order (as many as are open), which of them this person
    answered (each survey probed with its own key) and the surveys shown."""
    now = timezone.now()
    surveys = _live_surveys().filter(opens_at__lte=now, closes_at__gt=now)
    street_id = community_id = None
    logged_in = user is not None and user.is_authenticated
    if logged_in and user.home_grid_id:
        street_id, community_id = home_area(user)
    eligible = Q(audience=SurveyPage.Audience.DISTRICT)
    if community_id:
        in_area = Q(audience_streets=street_id) | Q(audience_communities=community_id)
        if user.home_grid_set_at is not None:
            in_area &= Q(opens_at__gte=user.home_grid_set_at)
        eligible |= in_area
    eligible_ids = SurveyPage.objects.filter(eligible).values("pk")
    surveys = surveys.annotate(eligible=Exists(eligible_ids.filter(pk=OuterRef("pk"))))
    fields = ("title", "url_path", "summary", "closes_at", "audience", "anonymous")
    if not (logged_in or visitor_token):
        return list(surveys.order_by("-eligible", "closes_at", "pk").only(*fields)[:limit])
    ranked = list(surveys.order_by("closes_at", "pk").values_list("pk", "eligible"))
    respondent = {"user": user if logged_in else None, "visitor_token": visitor_token}
    answered = answered_survey_ids(survey_ids=[pk for pk, _eligible in ranked], **respondent)
    # Not answered first, then the person's own area; closing soonest first within each.
    ranked.sort(key=lambda row: (row[0] in answered, not row[1]))
    shown = [pk for pk, _eligible in ranked[:limit]]
    found = SurveyPage.objects.filter(pk__in=shown).only(*fields).in_bulk()
    rows = [found[pk] for pk in shown if pk in found]
    eligible_ids = {pk for pk, is_eligible in ranked if is_eligible}
    for survey in rows:
        survey.answered = survey.pk in answered
        survey.eligible = survey.pk in eligible_ids
    return rows


def my_responses(*, user) -> list[SurveyResponse]:
    """The user's responses, including to anonymous surveys (found through their keyed hash):
    two queries."""
    anonymous_ids = list(_live_surveys().filter(anonymous=True).values_list("pk", flat=True))
    return list(
        SurveyResponse.objects.filter(
            Q(user=user) | responses_of(survey_ids=anonymous_ids, user=user)
        )
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
