"""Admin screens: the review of organization applications and the project categories."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic.models import IndexView, InspectView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.exports import safe_cell
from portal.notifications import NotificationKind
from portal.viewsets import CommunityScopedViewSetMixin, DistrictWideViewSetMixin
from projects import bench_data, demo, personal_data, review, sections, services
from projects.forms import ReasonForm
from projects.models import Category, Organization
from projects.permissions import reviewable_organizations


def _can_review(user) -> bool:
    return user.has_perm("projects.review_organization")


class OrganizationIndexView(IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("street")
        return reviewable_organizations(self.request.user, queryset)

    def get_list_more_buttons(self, instance):
        buttons = list(super().get_list_more_buttons(instance))
        if not _can_review(self.request.user):
            return buttons
        url_name = self.url_namespace if hasattr(self, "url_namespace") else "organizations"
        actions = []
        if instance.status in (Organization.Status.PENDING, Organization.Status.SUSPENDED):
            actions.append(("approve", _("通过认证"), "check"))
        if instance.status == Organization.Status.PENDING:
            actions.append(("reject", _("驳回"), "cross"))
        if instance.status == Organization.Status.VERIFIED:
            actions.append(("suspend", _("暂停"), "warning"))
        for name, label, icon in actions:
            buttons.append(
                Button(
                    label,
                    url=reverse(f"{url_name}:{name}", args=[instance.pk]),
                    icon_name=icon,
                    priority=5,
                )
            )
        return buttons

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(super().preprocess_field_value(field, value, export_format))


class OrganizationInspectView(InspectView):
    def get_object(self, queryset=None):
        queryset = reviewable_organizations(self.request.user, Organization.objects.all())
        return get_object_or_404(queryset, pk=self.pk)

    @property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if _can_review(self.request.user):
            for name, label in (
                ("approve", _("通过认证")),
                ("reject", _("驳回")),
                ("suspend", _("暂停")),
            ):
                buttons.append(
                    Button(label, url=reverse(f"organizations:{name}", args=[self.object.pk]))
                )
        return buttons


class OrganizationViewSet(CommunityScopedViewSetMixin, ModelViewSet):
    """社会组织审核 — community staff see the applications for their communities, district
    administrators all of them; approving and rejecting go through projects.services."""

    model = Organization
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)
    icon = "group"
    menu_label = gettext_lazy("社会组织审核")
    menu_order = 210
    add_to_admin_menu = True
    name = "organizations"
    url_namespace = "organizations"
    index_view_class = OrganizationIndexView
    inspect_view_class = OrganizationInspectView
    inspect_view_enabled = True
    search_backend_name = None
    search_fields = ["name", "credit_code", "contact_person"]
    list_filter = ["status", "street", "org_type"]
    ordering = ["-created_at"]
    list_display = [
        "name",
        Column("credit_code", label=gettext_lazy("统一社会信用代码")),
        "org_type",
        "street",
        "status",
        DateColumn("created_at", label=gettext_lazy("申请时间")),
    ]
    list_export = [
        "name",
        "credit_code",
        "org_type",
        "street",
        "status",
        "contact_person",
        "created_at",
        "reviewed_at",
        "review_reason",
    ]
    export_filename = "organizations"
    form_fields = [
        "name",
        "org_type",
        "contact_person",
        "phone",
        "email",
        "description",
        "logo",
        "street",
        "service_communities",
    ]
    inspect_view_fields = [
        "name",
        "credit_code",
        "org_type",
        "street",
        "service_communities",
        "contact_person",
        "phone",
        "email",
        "description",
        "status",
        "applicant",
        "created_at",
        "reviewed_by",
        "reviewed_at",
        "review_reason",
        "suspended_by",
        "suspended_at",
        "suspension_reason",
    ]

    def scope_queryset(self, user, queryset):
        return reviewable_organizations(user, queryset)

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("approve/<id:pk>/", self.approve_view, name="approve"),
            path("reject/<id:pk>/", self.reject_view, name="reject"),
            path("suspend/<id:pk>/", self.suspend_view, name="suspend"),
        ]

    def _get(self, request, pk) -> Organization:
        if not _can_review(request.user):
            raise PermissionDenied
        queryset = reviewable_organizations(request.user, Organization.objects.all())
        return get_object_or_404(queryset, pk=pk)

    def _decision(self, request, pk, *, action: str, needs_reason: bool):
        organization = self._get(request, pk)
        form = ReasonForm(request.POST or None) if needs_reason else None
        error = None
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                if action == "approve":
                    services.organization_verify(organization=organization, by=request.user)
                    messages.success(
                        request, _("“%(name)s”已通过认证。") % {"name": organization.name}
                    )
                elif action == "reject":
                    services.organization_reject(
                        organization=organization,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(
                        request, _("已驳回“%(name)s”的申请。") % {"name": organization.name}
                    )
                else:
                    services.organization_suspend(
                        organization=organization,
                        by=request.user,
                        reason=form.cleaned_data["reason"],
                    )
                    messages.success(request, _("已暂停“%(name)s”。") % {"name": organization.name})
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect("organizations:index")
        titles = {
            "approve": _("通过认证"),
            "reject": _("驳回申请"),
            "suspend": _("暂停组织"),
        }
        return TemplateResponse(
            request,
            "projects/admin/organization_decision.html",
            {
                "organization": organization,
                "form": form,
                "error": error,
                "action": action,
                "page_title": titles[action],
                "header_title": titles[action],
                "index_url": reverse("organizations:index"),
            },
        )

    def approve_view(self, request, pk):
        return self._decision(request, pk, action="approve", needs_reason=False)

    def reject_view(self, request, pk):
        return self._decision(request, pk, action="reject", needs_reason=True)

    def suspend_view(self, request, pk):
        return self._decision(request, pk, action="suspend", needs_reason=True)


class CategoryViewSet(DistrictWideViewSetMixin, SnippetViewSet):
    model = Category
    pk_path_converter = "id"
    icon = "tag"
    menu_label = gettext_lazy("项目类别")
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]
    ordering = ["sort_order", "name"]


organization_viewset = OrganizationViewSet()


@hooks.register("register_admin_viewset")
def register_organization_viewset():
    return organization_viewset


register_snippet(CategoryViewSet)


# --- 项目审核: the reviewer's screens and the editor's buttons (projects.review) --------


@hooks.register("register_admin_urls")
def register_review_urls():
    return [
        path("project-review/", review.review_index, name="projects_review_index"),
        path("project-review/<id:task_state_id>/", review.review, name="projects_review"),
    ]


class ReviewMenuItem(MenuItem):
    def is_shown(self, request):
        return review.user_is_reviewer(request.user)


@hooks.register("register_admin_menu_item")
def register_review_menu_item():
    return ReviewMenuItem(
        gettext_lazy("项目审核"),
        reverse_lazy("projects_review_index"),
        icon_name="tasks",
        order=205,
    )


hooks.register("construct_page_action_menu", review.arrange_page_action_menu)


# What this app adds to portal's pages and account (see portal.sections,
# portal.personal_data and portal.notifications).
hooks.register("portal_home_sections", sections.home_section, order=20)
hooks.register("portal_account_sections", sections.account_section, order=30)
hooks.register("portal_personal_data_exporters", personal_data.personal_data_export, order=20)
hooks.register("portal_account_deletion_blockers", personal_data.deletion_blockers)
hooks.register("portal_personal_data_erasers", personal_data.personal_data_erase, order=40)


@hooks.register("portal_stylesheets", order=20)
def stylesheet() -> str:
    return "projects/projects.css"


@hooks.register("portal_notification_kinds", order=20)
def notification_kinds() -> list[NotificationKind]:
    return [
        NotificationKind("organization_decided", gettext_lazy("社会组织申请的审核结果"), "email"),
        NotificationKind("organization_invitation", gettext_lazy("邀请加入社会组织"), "email"),
        NotificationKind("project_moderated", gettext_lazy("项目审核结果"), "email"),
    ]


# Demo and bench data (see portal.demo_context).
hooks.register("portal_demo_data", demo.load, order=10)
hooks.register("portal_bench_data", bench_data.generate, order=10)
hooks.register("portal_bench_urls", bench_data.bench_urls, order=10)
