"""随手拍 in two steps. Step 1 (GET): category and grid, the home grid by default. Step 2:
the open cases of that category in that grid from the last 30 days, each with 「我也遇到」,
and the details form (POST), which calls the service case_report. Reports per account are
rate-limited."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from cases import services
from cases.forms import ReportForm, ReportStartForm
from cases.models import Case, CaseFollower
from cases.permissions import may_report_as_patrol
from cases.selectors import similar_open_cases
from portal.forms import add_service_errors


@login_required
def report(request):
    """随手拍: step 1 on GET without a valid choice, step 2 after it, the report on POST."""
    if request.method == "POST":
        return _report_submit(request)
    return _report_start(request)


def _report_start(request):
    user = request.user
    start = ReportStartForm(request.GET or None, initial_grid=user.home_grid)
    if start.is_bound and start.is_valid():
        category, grid = start.cleaned_data["category"], start.cleaned_data["grid"]
        form = ReportForm(
            initial={"category": category.pk, "grid": grid.pk},
            patrol_allowed=may_report_as_patrol(user),
        )
        return _render_step2(request, form, category, grid)
    return render(
        request,
        "cases/report_start.html",
        {"form": start},
        status=400 if start.is_bound else 200,
    )


def _report_submit(request):
    user = request.user
    # Only those who may report as patrol are shown the source choice, so only their posts
    # carry it: a resident's report skips the role look-ups (two queries per report).
    patrol_allowed = bool(request.POST.get("source")) and may_report_as_patrol(user)
    form = ReportForm(request.POST, request.FILES, patrol_allowed=patrol_allowed)
    if form.is_valid():
        case = _case_report(form, user)
        if case is not None:
            messages.success(
                request,
                _("已提交，编号 %(number)s。受理后会通知您，您也可以在“我的”中查看进展。")
                % {"number": case.number},
            )
            return redirect(case.get_absolute_url())
    category = form.cleaned_data.get("category")
    grid = form.cleaned_data.get("grid")
    if category is None or grid is None:
        # Step 1 data did not survive (a category was switched off meanwhile, or the
        # hidden fields were changed): the page comes back with the field to choose
        # again, and what the resident typed is kept.
        form.show_choice_fields()
    return _render_step2(request, form, category, grid, status=400)


def _case_report(form, user) -> Case | None:
    """Files the valid form through the service, within the account's reports per window;
    None after the service's errors (or the rate limit's) were put on the form."""
    try:
        return services.case_report_within_limit(by=user, fields=form.cleaned_data)
    except ValidationError as error:
        if getattr(error, "code", None) == "rate_limited":
            add_service_errors(form, error)
        else:
            photos = form.cleaned_data["photos"]
            add_service_errors(form, error, field="photos" if photos else None, joined=True)
        return None


def _render_step2(request, form, category, grid, *, status=200):
    if category is None or grid is None:
        similar = []
        start_url = reverse("cases:report")
        if grid is not None:
            grid = type(grid).objects.select_related("community__street").get(pk=grid.pk)
    else:
        grid = type(grid).objects.select_related("community__street").get(pk=grid.pk)
        similar = list(similar_open_cases(grid_id=grid.pk, category_id=category.pk)[:10])
        start_url = reverse("cases:report") + "?" + _start_query(category, grid)
    followed = set(
        CaseFollower.objects.filter(
            user=request.user, case_id__in=[case.pk for case in similar]
        ).values_list("case_id", flat=True)
    )
    for case in similar:
        case.followed = case.pk in followed
        case.own = case.reporter_id == request.user.pk
    return render(
        request,
        "cases/report_details.html",
        {
            "form": form,
            "category": category,
            "grid": grid,
            "similar": similar,
            "change_url": start_url,
            "report_url": start_url,
            "photos_lost": form.is_bound and bool(request.FILES),
        },
        status=status,
    )


def _start_query(category, grid) -> str:
    return urlencode(
        {
            "category": category.pk,
            "street": grid.community.street_id,
            "community": grid.community_id,
            "grid": grid.pk,
        }
    )
