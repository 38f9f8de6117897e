"""网格长核查 on the public case page: the leader of the case's grid passes or sends back a
handled case. Staff do the same in 我的待办 (cases.admin_views)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import services
from cases.forms import LeaderVerifyForm
from cases.permissions import GRID_LEADER, case_roles
from cases.views.common import case_or_404
from cases.views.pages import render_case_page
from portal.forms import add_service_errors


@login_required
@require_POST
def case_verify(request, number: str):
    """网格长核查: the leader of the case's grid passes a handled case (closing it, or leaving
    it to be closed later) or sends it back for rework with a reason."""
    case = case_or_404(number)
    if GRID_LEADER not in case_roles(request.user, case):
        raise PermissionDenied
    form = LeaderVerifyForm(request.POST, prefix="verify")
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            case = services.case_verify(
                case=case,
                by=request.user,
                passed=outcome != LeaderVerifyForm.FAIL,
                close=outcome == LeaderVerifyForm.PASS_CLOSE,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error, joined=True)
        else:
            messages.success(
                request,
                _("核查结果已记录，诉求现为“%(state)s”。") % {"state": case.get_state_display()},
            )
            return redirect(case.get_absolute_url())
    case = case_or_404(number)
    return render_case_page(request, case, verify_form=form, status=400)
