"""What a signed-in resident does on a case page: follow it (我也遇到), stop following it,
and, as its reporter, rate the result (评价)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.forms import RatingForm
from cases.models import State
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
