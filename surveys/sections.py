"""The sections this app adds to the home page and to the account area (我的)."""

from django.utils import timezone

from surveys import permissions, selectors
from surveys.models import SurveyIndexPage


def home_section(request) -> dict | None:
    surveys = selectors.open_surveys_for(user=request.user, limit=4)
    if not surveys:
        return None
    index = SurveyIndexPage.objects.live().only("url_path").first()
    return {"surveys": surveys, "index": index}


def account_section(request) -> dict | None:
    if not request.user.is_authenticated:
        return None
    now = timezone.now()
    responses = selectors.my_responses(user=request.user)
    for response in responses:
        response.can_edit = response.survey.status(now) == "open"
        response.results_visible = permissions.can_view_results(request.user, response.survey, now)
    return {"responses": responses}
