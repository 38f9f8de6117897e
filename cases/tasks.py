"""Work the cases app does after the request's transaction has committed, through Django's
task API (django_tasks; the immediate backend runs a task at once where no worker is set
up, a worker backend takes it off the request)."""

from django.utils.translation import gettext as _
from django_tasks import task

from cases.models import Case
from cases.services.common import notify_all, staff_url, supervisors_of


@task()
def notify_new_case(case_id: int, reporter_id: int | None) -> int:
    """Tell the grid's leader and the community's staff about a new case, in one batch (their
    preferences read with them); returns how many people were told. Runs after the report
    committed, so a slow mail server or a busy recipient table never holds the report's
    transaction (or loses the report)."""
    case = Case.objects.select_related("category", "grid").filter(pk=case_id).first()
    if case is None:
        return 0
    told = notify_all(
        supervisors_of(case).exclude(pk=reporter_id),
        kind="case_new",
        subject=_("新诉求 %(number)s：%(category)s")
        % {"number": case.number, "category": case.category},
        body=case.description[:200],
        url=staff_url(case),
    )
    return len(told)


@task()
def sweep() -> dict:
    """One pass of the SLA sweep on a worker (`manage.py cases_sweep --enqueue` from cron).
    The sweep is locked and idempotent, so a pass queued twice changes nothing the second
    time."""
    from cases.services import case_sweep

    result = case_sweep()
    return {
        "locked": result.locked,
        "overdue": result.overdue,
        "warned": result.warned,
        "escalated_community": result.escalated_community,
        "escalated_street": result.escalated_street,
    }
