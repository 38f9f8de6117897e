from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import page_cache
from portal.forms import add_service_errors
from portal.fragments import cached_fragment
from projects import selectors, services
from projects.forms import InvitationForm, OrganizationApplicationForm
from projects.models import Organization, OrganizationInvitation, OrganizationMember
from projects.permissions import is_organization_owner


@login_required
def organization_apply(request: HttpRequest) -> HttpResponse:
    """社会组织入驻申请 — a logged-in resident registers an organization."""
    form = OrganizationApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_apply(
                applicant=request.user, data=form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("“%(name)s”的申请已提交，社区工作人员审核后会通知您。")
                % {"name": organization.name},
            )
            return redirect("projects:my_organizations")
    return render(request, "projects/organization_apply.html", {"form": form})


@login_required
def my_organizations(request: HttpRequest) -> HttpResponse:
    memberships = selectors.my_organizations(user=request.user)
    return render(request, "projects/my_organizations.html", {"memberships": memberships})


@login_required
def organization_members(request: HttpRequest, pk: int) -> HttpResponse:
    """An owner's page to invite editors by email and remove them."""
    organization = get_object_or_404(Organization, pk=pk)
    if not is_organization_owner(request.user, organization):
        raise Http404
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.organization_invite_editor(
                organization=organization, by=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已向 %(email)s 发出邀请。") % {"email": invitation.email})
            return redirect("projects:organization_members", pk=organization.pk)
    members = organization.memberships.select_related("user").order_by("role", "created_at")
    invitations = organization.invitations.filter(accepted_at__isnull=True)
    return render(
        request,
        "projects/organization_members.html",
        {
            "organization": organization,
            "members": members,
            "invitations": invitations,
            "form": form,
        },
    )


@login_required
@require_POST
def organization_member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if not is_organization_owner(request.user, organization):
        raise Http404
    member = get_object_or_404(OrganizationMember, pk=member_pk, organization=organization)
    try:
        services.organization_remove_member(
            organization=organization, by=request.user, member=member
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已移除 %(name)s。") % {"name": member.user.get_display_name()})
    return redirect("projects:organization_members", pk=organization.pk)


@login_required
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = get_object_or_404(
        OrganizationInvitation.objects.select_related("organization"), token=token
    )
    error = None
    needs_verification = False
    if request.method == "POST":
        try:
            services.organization_accept_invitation(invitation=invitation, user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
            needs_verification = any(e.code == "unverified_email" for e in exc.error_list)
        else:
            messages.success(
                request,
                _("您已成为“%(name)s”的编辑。") % {"name": invitation.organization.name},
            )
            return redirect("projects:my_organizations")
    return render(
        request,
        "projects/invitation_accept.html",
        {
            "invitation": invitation,
            "error": error,
            "is_invitee": request.user.email.strip().lower() == invitation.email.lower(),
            "email_verified": services.invitation_email_verified(
                invitation=invitation, user=request.user
            ),
            "needs_verification": needs_verification,
        },
    )


@page_cache.public_page("projects", ttl=page_cache.DEFAULT_TTL)
def organization_directory(request: HttpRequest) -> HttpResponse:
    """社会组织名录 — verified organizations, searchable by name and filterable by type."""
    context = selectors.organization_directory(params=request.GET)
    results = context.pop("results")

    def render_results() -> str:
        return render_to_string(
            "projects/includes/organization_directory_results.html",
            {"request": request, **results()},
        )

    # The list is the same for everyone with the same query string, signed in or not: kept
    # until an organization changes ("projects") or a page ("site"), like the page itself.
    context["results"] = mark_safe(
        cached_fragment(
            "organization-directory",
            render_results,
            tags=("projects",),
            vary=sorted(request.GET.lists()),
        )
    )
    return render(request, "projects/organization_directory.html", context)
