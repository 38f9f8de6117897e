"""What volunteers adds to the Wagtail admin (its viewsets, the per-grid numbers report, a
button on grids) and to portal's extension points (sections, notification kinds, personal
data, demo and bench data)."""

from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import Button

from portal.models import Grid
from portal.notifications import NotificationKind
from portal.permissions import is_district_admin, staff_community_ids
from volunteers import admin_views, bench_data, demo, personal_data, sections
from volunteers.permissions import can_appoint_leader
from volunteers.viewsets import VolunteersViewSetGroup


@hooks.register("register_admin_viewset")
def register_viewsets():
    return VolunteersViewSetGroup()


@hooks.register("register_admin_urls")
def register_report_url():
    return [
        path("volunteers/grid-report/", admin_views.grid_report, name="volunteers_grid_report"),
    ]


@hooks.register("register_snippet_listing_buttons")
def grid_leader_button(snippet, user, next_url=None):
    """Grid leaders are appointed on the grid's roster page, through grid_appoint_leader
    (candidates: the grid's active roster members)."""
    if isinstance(snippet, Grid) and can_appoint_leader(user, snippet):
        yield Button(
            gettext("任命网格长"),
            url=reverse("volunteers:roster", args=[snippet.code]) + "#appoint-title",
            icon_name="user",
            priority=5,
        )


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return is_district_admin(request.user) or bool(staff_community_ids(request.user))


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        _("网格志愿服务统计"), reverse("volunteers_grid_report"), icon_name="table", order=300
    )


# What this app adds to portal's pages and account and to the project page (see
# portal.sections, portal.personal_data and portal.notifications).
hooks.register("portal_home_sections", sections.home_section, order=30)
hooks.register("portal_account_sections", sections.account_section, order=50)
hooks.register("portal_nav_items", sections.nav_item, order=30)
hooks.register("projects_project_page_sections", sections.project_page_section)
hooks.register("portal_personal_data_exporters", personal_data.personal_data_export, order=50)
hooks.register("portal_personal_data_erasers", personal_data.personal_data_erase, order=10)


@hooks.register("portal_stylesheets", order=30)
def stylesheet() -> str:
    return "volunteers/volunteers.css"


@hooks.register("portal_notification_kinds", order=10)
def notification_kinds() -> list[NotificationKind]:
    return [
        NotificationKind("roster_decided", _("网格志愿者申请的审核结果"), "email"),
        NotificationKind("roster_applied", _("有人申请加入我负责的网格"), "email"),
        NotificationKind("leader_appointed", _("被任命为网格长"), "email"),
        NotificationKind("waitlist_promoted", _("候补转为正式报名"), "email"),
        NotificationKind("signup_cancelled", _("报名被取消"), "email"),
        NotificationKind("shift_changed", _("已报名的活动有变动或取消"), "email"),
        NotificationKind("hours_credited", _("服务时长已记录"), "site"),
    ]


# Demo and bench data (see portal.demo_context).
hooks.register("portal_demo_data", demo.load, order=20)
hooks.register("portal_bench_data", bench_data.generate, order=20)
hooks.register("portal_bench_urls", bench_data.bench_urls, order=20)


@hooks.register("portal_notification_audiences")
def notification_audiences() -> dict:
    from volunteers.services.shifts import shift_signed_up_people

    return {"volunteers.shift_signups": shift_signed_up_people}
