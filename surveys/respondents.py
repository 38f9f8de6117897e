"""Who is answering: the keyed respondent hash and the respondent's home area. Shared by the
services (which store responses) and the selectors (which find them again)."""

import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
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
    """A filter on SurveyResponse for this respondent's responses to these surveys: their
    keys, each a lookup of the unique index on the key (SurveyResponse's constraints say
    why the survey is not in the condition)."""
    keys = [
        respondent_key(survey_id=survey_id, user=user, visitor_token=visitor_token)
        for survey_id in survey_ids
    ]
    return Q(respondent_key__in=keys)


# Keys per statement: under SQLite's oldest limit of 999 parameters.
KEYS_PER_STATEMENT = 500


def answered_survey_ids(
    *, survey_ids: Iterable[int], user=None, visitor_token: str = ""
) -> set[int]:
    """Which of these surveys this respondent answered."""
    from surveys.models import SurveyResponse

    survey_ids = list(survey_ids)
    answered = set()
    for start in range(0, len(survey_ids), KEYS_PER_STATEMENT):
        chunk = survey_ids[start : start + KEYS_PER_STATEMENT]
        mine = responses_of(survey_ids=chunk, user=user, visitor_token=visitor_token)
        answered.update(SurveyResponse.objects.filter(mine).values_list("survey_id", flat=True))
    return answered


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
