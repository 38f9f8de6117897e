"""What a signed-in resident does on a case page: follow it (我也遇到), stop following it,
and, as its reporter, rate the result (评价); and 我的随手拍, every case of theirs page by page
(我的 shows the latest of each list)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import selectors, services
from cases.forms import RatingForm
from cases.models import State
from cases.permissions import led_grid_ids
from cases.views.common import case_or_404, error_text, next_url
from cases.views.pages import render_case_page


@login_required
@require_POST
def case_follow(request, number: str):
    """我也遇到: follow a case and get its public updates."""
    case = case_or_404(number)
    try:
        services.case_follow(case=case, by=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已关注这件诉求，有进展时会通知您。"))
    return redirect(next_url(request, case.get_absolute_url()))


@login_required
@require_POST
def case_unfollow(request, number: str):
    case = case_or_404(number)
    services.case_unfollow(case=case, by=request.user)
    messages.success(request, _("已取消关注。"))
    return redirect(next_url(request, case.get_absolute_url()))


@login_required
@require_POST
def case_rate(request, number: str):
    """The reporter's rating (评价); 不满意 reopens the case once."""
    case = case_or_404(number)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_rate(
                case=case,
                by=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except PermissionDenied:
            raise
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            if case.state == State.REWORK:
                messages.success(request, _("感谢您的评价。诉求已退回重新办理，进展会通知您。"))
            else:
                messages.success(request, _("感谢您的评价。"))
            return redirect(case.get_absolute_url())
    return render_case_page(request, case, rating_form=form, status=400)


MY_CASES_PAGE_SIZE = 20


@login_required
def my_cases(request):
    """我的随手拍: the cases I reported, the cases I follow and, for a grid leader, the cases
    waiting for their check, 20 a page."""
    user = request.user
    lists = {
        "reported": (_("我上报的"), selectors.my_reported_cases),
        "followed": (_("我关注的"), selectors.my_followed_cases),
    }
    if led_grid_ids(user):
        lists["verify"] = (_("待核查"), selectors.cases_to_verify)
    chosen = request.GET.get("list", "reported")
    if chosen not in lists:
        chosen = "reported"
    page_obj = Paginator(lists[chosen][1](user), MY_CASES_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "cases/my_cases.html",
        {
            "tabs": [(name, label) for name, (label, _select) in lists.items()],
            "chosen": chosen,
            "page_obj": page_obj,
        },
    )
