"""Who may see a survey's results, its free-text answers and its exports."""

from django.utils import timezone

from portal.permissions import is_district_admin, staff_community_ids


def is_survey_staff(user) -> bool:
    """District administrators and community staff (社区工作人员) of any community."""
    return is_district_admin(user) or bool(staff_community_ids(user))


def response_scope(user) -> set[int] | None:
    """The communities whose respondents' answers (free text, exports) this staff member may
    see: None means all (district administrators), an empty set nothing."""
    if is_district_admin(user):
        return None
    return staff_community_ids(user)


def can_view_results(user, survey, now=None) -> bool:
    if is_survey_staff(user):
        return True
    now = now or timezone.now()
    visibility = survey.results_visibility
    if visibility == survey.ResultsVisibility.WHILE_OPEN:
        return now >= survey.opens_at
    if visibility == survey.ResultsVisibility.AFTER_CLOSE:
        return now >= survey.closes_at
    return False
