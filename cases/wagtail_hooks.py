"""The cases app in the Wagtail admin: 我的待办 (the staff inbox and case pages), and the
snippets district administrators manage: categories with their time limits, and the working
calendar."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cases import admin_views, bench_data, demo, personal_data, sections
from cases.models import CaseCategory, WorkingDayOverride
from cases.permissions import is_case_staff
from portal.notifications import NotificationKind
from portal.periodic import PeriodicWork
from portal.viewsets import DistrictWideViewSetMixin


@hooks.register("register_admin_urls")
def register_case_urls():
    return [
        path("cases/", admin_views.inbox, name="cases_admin_inbox"),
        path("cases/bulk/", admin_views.bulk, name="cases_admin_bulk"),
        path("cases/<id:pk>/", admin_views.detail, name="cases_admin_detail"),
        path(
            "cases/<id:pk>/photos/<id:photo_id>/",
            admin_views.photo,
            name="cases_admin_photo",
        ),
        path("cases/<id:pk>/<str:name>/", admin_views.action, name="cases_admin_action"),
    ]


class InboxMenuItem(MenuItem):
    def is_shown(self, request):
        return is_case_staff(request.user)


@hooks.register("register_admin_menu_item")
def register_inbox_menu_item():
    return InboxMenuItem(_("我的待办"), reverse("cases_admin_inbox"), icon_name="tasks", order=150)


class ModelPermissionChooserViewMixin:
    """Wagtail's snippet chooser views only ask for admin access (and `add` to create): these
    settings are for whoever the model permissions let into the snippet's other views, so
    every chooser view asks the same question first (403 otherwise)."""

    def dispatch(self, request, *args, **kwargs):
        model = self.model_class
        policy = policy_registry.get_by_type(model) or ModelPermissionPolicy(model)
        if not policy.user_has_any_permission(request.user, ["add", "change", "delete", "view"]):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class _ModelPermissionChooserViewSetMixin:
    def construct_view(self, view_class, **kwargs):
        checked = type(view_class.__name__, (ModelPermissionChooserViewMixin, view_class), {})
        return super().construct_view(checked, **kwargs)


class ModelPermissionChooserMixin:
    """Put in front of the snippet viewset (before the scoping mixin)."""

    @property
    def chooser_viewset_class(self):
        base = super().chooser_viewset_class
        return type(base.__name__, (_ModelPermissionChooserViewSetMixin, base), {})


class CaseCategoryViewSet(ModelPermissionChooserMixin, DistrictWideViewSetMixin, SnippetViewSet):
    """District-wide settings: whoever the model permissions let in sees every category."""

    model = CaseCategory
    pk_path_converter = "id"
    icon = "tag"
    menu_label = _("诉求类别与时限")
    list_display = ["name", "code", "department", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]
    ordering = ["sort_order", "name"]
    list_export = ["name", "code", "department", "is_active", "sort_order"]
    export_filename = "case-categories"


class WorkingDayOverrideViewSet(
    ModelPermissionChooserMixin, DistrictWideViewSetMixin, SnippetViewSet
):
    model = WorkingDayOverride
    pk_path_converter = "id"
    icon = "date"
    menu_label = _("节假日与调休")
    list_display = ["date", "name", "is_working"]
    list_filter = ["is_working"]
    ordering = ["-date"]
    list_export = ["date", "name", "is_working"]
    export_filename = "working-calendar"
    form_fields = ["date", "is_working", "name"]


class CasesSnippetGroup(ModelViewSetGroup):
    items = (CaseCategoryViewSet, WorkingDayOverrideViewSet)
    menu_icon = "tasks"
    menu_label = _("诉求设置")
    menu_order = 910


register_snippet(CasesSnippetGroup)


# What this app adds to portal's pages and account (see portal.sections,
# portal.personal_data and portal.notifications).
hooks.register("portal_home_sections", sections.home_section, order=15)
hooks.register("portal_account_sections", sections.account_section, order=15)
hooks.register("portal_nav_items", sections.nav_item, order=15)
hooks.register("portal_personal_data_exporters", personal_data.personal_data_export, order=40)
hooks.register("portal_personal_data_erasers", personal_data.personal_data_erase, order=20)


@hooks.register("portal_notification_kinds", order=40)
def notification_kinds() -> list[NotificationKind]:
    return [
        NotificationKind("case_new", _("我负责的网格或社区有新诉求"), "email"),
        NotificationKind("case_dispatched", _("有诉求派遣给我或我的部门"), "email"),
        NotificationKind("case_update", _("我上报或关注的诉求有新进展"), "email"),
        NotificationKind("case_warning", _("我负责的诉求即将超期"), "email"),
        NotificationKind("case_escalated", _("超期诉求督办"), "email"),
        NotificationKind("case_extension", _("延期或缓办申请与审批"), "site"),
    ]


# Demo and bench data (see portal.demo_context).
hooks.register("portal_demo_data", demo.load, order=40)
hooks.register("portal_demo_logins", lambda: demo.DEMO_LOGINS, order=40)
hooks.register("portal_bench_data", bench_data.generate, order=40)
hooks.register("portal_bench_urls", bench_data.bench_urls, order=40)
hooks.register("portal_bench_staff_urls", bench_data.bench_staff_urls, order=40)


@hooks.register("portal_periodic_work")
def periodic_work() -> PeriodicWork:
    from cases.services import case_sweep

    return PeriodicWork("cases_sweep", 60, case_sweep)
