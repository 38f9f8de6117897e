"""What the cases app holds about a person, for the data download and the account deletion
(the personal-data hooks of portal.personal_data).

Download: the cases the person reported (with where, what, the state and their rating), the
cases they follow and the rating comments they wrote. Deletion: the cases stay — they are
public records of the district's work and count in the statistics — but lose every link to
the person: the reporter is cleared, the consent to be contacted withdrawn, the photos no
longer name their uploader, the reporter's own rating comments are removed and the follows
deleted.
"""

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cases.models import Case, CaseEvent, CaseFollower, CasePhoto

ERASED_NOTE = "（上报人已注销账号，补充意见已删除）"


def _time(moment) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def export_cases(user) -> list[dict]:
    rows = []
    reported = (
        Case.objects.filter(reporter=user)
        .select_related("category", "street", "community", "grid")
        .annotate(report_photos=Count("photos", filter=Q(photos__kind=CasePhoto.Kind.REPORT)))
        .order_by("created_at", "pk")
    )
    for case in reported:
        rows.append(
            {
                "type": "reported_case",
                "number": case.number,
                "category": case.category.name,
                "description": case.description,
                "street": case.street.name,
                "community": case.community.name,
                "grid": case.grid.name,
                "address": case.address,
                "latitude": "" if case.latitude is None else str(case.latitude),
                "longitude": "" if case.longitude is None else str(case.longitude),
                "contact_allowed": case.contact_allowed,
                "source": case.get_source_display(),
                "state": case.get_state_display(),
                "reported_at": _time(case.created_at),
                "photos": case.report_photos,
                "rating": case.get_rating_display() if case.rating else "",
                "rated_at": _time(case.rated_at),
            }
        )
    for follow in (
        CaseFollower.objects.filter(user=user).select_related("case").order_by("created_at")
    ):
        rows.append(
            {
                "type": "followed_case",
                "number": follow.case.number,
                "followed_at": _time(follow.created_at),
            }
        )
    for event in (
        CaseEvent.objects.filter(actor=user, case__reporter=user, action="note")
        .select_related("case")
        .order_by("created_at")
    ):
        rows.append(
            {
                "type": "rating_comment",
                "number": event.case.number,
                "comment": event.note,
                "written_at": _time(event.created_at),
            }
        )
    return rows


@transaction.atomic
def erase_cases(user) -> None:
    own_cases = Case.objects.filter(reporter=user)
    # The reporter's own words on their cases (rating comments) may identify them.
    CaseEvent.objects.filter(actor=user, case__in=own_cases, action="note").update(
        note=ERASED_NOTE, actor=None
    )
    CaseEvent.objects.filter(actor=user, case__in=own_cases).update(actor=None)
    CasePhoto.objects.filter(uploaded_by=user, case__in=own_cases).update(uploaded_by=None)
    own_cases.update(reporter=None, contact_allowed=False)
    CaseFollower.objects.filter(user=user).delete()


def personal_data_export(user) -> dict[str, list[dict]]:
    return {"cases": export_cases(user)}


def personal_data_erase(user) -> None:
    erase_cases(user)
