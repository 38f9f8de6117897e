"""Public and resident-facing views of cases. Nothing here names the reporter or shows a
photo that staff have not made public."""

from django.http import Http404
from django.shortcuts import render

from cases.models import Case, State
from cases.selectors import public_events


def case_detail(request, number: str):
    """The anonymised public page of a case: what, where, its state and public updates."""
    try:
        case = (
            Case.objects.select_related("category", "grid", "community", "street")
            .exclude(state=State.REJECTED)
            .get(number=number)
        )
    except Case.DoesNotExist as error:
        raise Http404 from error
    return render(
        request,
        "cases/case_page.html",
        {
            "case": case,
            "events": public_events(case),
            "photos": case.photos.filter(is_public=True),
        },
    )
