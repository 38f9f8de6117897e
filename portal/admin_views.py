"""Staff screens of the base app in the Wagtail admin."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from portal.forms import HomeGridCorrectionForm
from portal.permissions import is_district_admin, staff_community_ids
from portal.services import user_correct_home_grid


def home_grid_correct(request):
    """Community staff and district administrators correct a resident's home grid (所在网格):
    not limited to one change in 30 days, recorded with who made it (finding 9 of the review)."""
    if not (is_district_admin(request.user) or staff_community_ids(request.user)):
        raise PermissionDenied
    form = HomeGridCorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        resident, grid = form.cleaned_data["email"], form.cleaned_data["grid"]
        try:
            user_correct_home_grid(user=resident, grid=grid, by=request.user)
        except PermissionDenied as error:
            form.add_error(None, str(error) or _("您无权更正这位居民的所在网格。"))
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("已将%(name)s的所在网格更正为%(grid)s。")
                % {
                    "name": resident.get_display_name(),
                    "grid": f"{grid.community.name}·{grid.name}",
                },
            )
            return redirect("portal_home_grid_correct")
    return TemplateResponse(
        request,
        "portal/admin/home_grid_correct.html",
        {"form": form, "page_title": _("更正居民所在网格")},
    )
