"""Who is answering: the keyed respondent hash and the respondent's home area. Shared by the
services (which store responses) and the selectors (which find them again)."""

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.db import connection
from django.db.models import Q

from portal.models import Grid, User


def respondent_key(*, survey_id: int, user=None, visitor_token: str = "") -> str:
    """A keyed hash that identifies one respondent of one survey. Staff see and export it
    never; without the SECRET_KEY it cannot be traced back to an account or a browser."""
    if user is not None and user.is_authenticated:
        subject = f"user:{user.pk}"
    elif visitor_token:
        subject = f"visitor:{visitor_token}"
    else:
        raise ValueError("a respondent is a user or a visitor token")
    message = f"survey-response:{survey_id}:{subject}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def responses_of(*, survey_ids: Iterable[int], user=None, visitor_token: str = "") -> Q:
    """A filter on SurveyResponse for this respondent's responses to these surveys: the keys
    of the responses `_probe` finds (one statement per PAIRS_PER_STATEMENT surveys)."""
    return Q(pk__in=_probe("id", survey_ids=survey_ids, user=user, visitor_token=visitor_token))


def answered_survey_ids(
    *, survey_ids: Iterable[int], user=None, visitor_token: str = ""
) -> set[int]:
    """Which of these surveys this respondent answered."""
    return set(_probe("survey_id", survey_ids=survey_ids, user=user, visitor_token=visitor_token))


# Pairs per statement: 2 parameters each stays under SQLite's oldest limit of 999.
PAIRS_PER_STATEMENT = 200


def _probe(column: str, *, survey_ids: Iterable[int], user, visitor_token: str) -> list[int]:
    """`column` of this respondent's responses to these surveys: each survey with its own key
    (a list of all the keys, `respondent_key__in`, cannot use the unique index (survey,
    respondent_key) without the survey and reads every response of a survey, or of the
    table). The pairs are a VALUES list joined to the table, not a chain of ORs: for the
    ORs PostgreSQL estimates each survey's rows from its statistics, and for a survey
    answered thousands of times since the table was last analysed (a new, popular one) it
    chose a narrower index on the survey alone and read every one of its responses (19 ms
    instead of 1 ms on the bench, on every signed-in home page). Joined to a list, the
    probe is a lookup of the unique index whatever the statistics say. Written out here:
    the ORM has no join to a list of values."""
    from surveys.models import SurveyResponse

    pairs = [
        (survey_id, respondent_key(survey_id=survey_id, user=user, visitor_token=visitor_token))
        for survey_id in survey_ids
    ]
    table = connection.ops.quote_name(SurveyResponse._meta.db_table)
    found = []
    for start in range(0, len(pairs), PAIRS_PER_STATEMENT):
        chunk = pairs[start : start + PAIRS_PER_STATEMENT]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                # The model's table and a fixed column: no input in the statement's text.
                f"WITH probe (survey_id, respondent_key) AS (VALUES {values}) "  # noqa: S608
                f"SELECT r.{column} FROM {table} r JOIN probe "
                "ON r.survey_id = probe.survey_id AND r.respondent_key = probe.respondent_key",
                [value for pair in chunk for value in pair],
            )
            found.extend(row[0] for row in cursor.fetchall())
    return found


def home_area(user) -> tuple[int | None, int | None]:
    """(street id, community id) of the user's home grid, or (None, None). Kept on the user
    object, so several surveys checked in one request cost one query."""
    if user is None or not user.is_authenticated or not user.home_grid_id:
        return None, None
    grid = getattr(user, "_survey_home_grid", None)
    if grid is None or grid.pk != user.home_grid_id:
        # The signed-in person usually arrives with home grid and community already read
        # (portal.auth_backends); read them only when not.
        loaded = user.home_grid if User.home_grid.is_cached(user) else None
        if (
            loaded is not None
            and loaded.pk == user.home_grid_id
            and Grid.community.is_cached(loaded)
        ):
            grid = loaded
        else:
            grid = Grid.objects.select_related("community").get(pk=user.home_grid_id)
        user._survey_home_grid = grid
    return grid.community.street_id, grid.community_id
