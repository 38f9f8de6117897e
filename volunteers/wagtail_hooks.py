"""Staff screens in the Wagtail admin: memberships, shifts, sign-ups and service hours, with
filters by street / community / grid and exports, and the per-grid numbers report. Community
staff see the rows of their own communities only."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from portal.permissions import is_district_admin, staff_community_ids
from volunteers import admin_views
from volunteers.models import RosterMembership, ServiceRecord, Shift, SignUp


class ScopedIndexView(IndexView):
    community_path = "grid__community_id"
    related = ()
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)

    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related(*self.related)
        if is_district_admin(self.request.user):
            return queryset
        scope = staff_community_ids(self.request.user)
        return queryset.filter(**{f"{self.community_path}__in": scope})


class ScopedViewSet(ModelViewSet):
    """Lists limited to the staff member's communities (district admins see everything)."""

    community_path = "grid__community_id"
    related = ()
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)
    search_backend_name = None
    add_to_admin_menu = False
    inspect_view_enabled = True

    @property
    def index_view_class(self):
        return type(
            f"{self.model.__name__}IndexView",
            (ScopedIndexView,),
            {"community_path": self.community_path, "related": self.related},
        )


class RosterMembershipViewSet(ScopedViewSet):
    model = RosterMembership
    name = "volunteers_memberships"
    url_prefix = "volunteers/memberships"
    icon = "group"
    menu_label = _("名册成员")
    related = ("user", "grid__community__street")
    list_display = ["user", "grid", "role", "status", "created_at"]
    list_filter = ["status", "role", "grid__community__street", "grid__community"]
    search_fields = ["user__display_name", "user__email", "grid__name", "grid__code"]
    list_export = [
        "user",
        "grid",
        "role",
        "status",
        "availability",
        "decision_reason",
        "created_at",
        "decided_at",
    ]
    export_filename = "roster-memberships"
    form_fields = ["role", "status", "availability", "decision_reason"]
    ordering = ["-created_at"]


class ShiftViewSet(ScopedViewSet):
    model = Shift
    name = "volunteers_shifts"
    url_prefix = "volunteers/shifts"
    icon = "date"
    menu_label = _("班次")
    related = ("grid__community__street", "project")
    list_display = ["title", "grid", "project", "starts_at", "capacity", "members_only"]
    list_filter = ["members_only", "grid__community__street", "grid__community", "starts_at"]
    search_fields = ["title", "place", "grid__name", "grid__code"]
    list_export = [
        "title",
        "grid",
        "project",
        "place",
        "starts_at",
        "ends_at",
        "capacity",
        "signup_deadline",
        "members_only",
        "attendance_confirmed_at",
    ]
    export_filename = "shifts"
    form_fields = [
        "title",
        "place",
        "description",
        "starts_at",
        "ends_at",
        "signup_deadline",
        "members_only",
    ]
    ordering = ["-starts_at"]


class SignUpViewSet(ScopedViewSet):
    model = SignUp
    name = "volunteers_signups"
    url_prefix = "volunteers/signups"
    icon = "tick"
    menu_label = _("报名")
    community_path = "shift__grid__community_id"
    related = ("user", "shift__grid__community")
    list_display = ["user", "shift", "status", "queued_at", "checked_in_at"]
    list_filter = ["status", "shift__grid__community__street", "shift__grid__community"]
    search_fields = ["user__display_name", "user__email", "shift__title"]
    list_export = ["user", "shift", "status", "queued_at", "checked_in_at", "cancelled_at"]
    export_filename = "signups"
    # Status changes go through the services (capacity, waitlist); the admin edits only the
    # check-in time.
    form_fields = ["checked_in_at"]
    ordering = ["-queued_at"]


class ServiceRecordViewSet(ScopedViewSet):
    model = ServiceRecord
    name = "volunteers_service_records"
    url_prefix = "volunteers/service-records"
    icon = "time"
    menu_label = _("服务时长")
    related = ("user", "grid__community__street")
    list_display = ["user", "item", "served_on", "hours", "issuer", "grid"]
    list_filter = ["served_on", "grid__community__street", "grid__community"]
    search_fields = ["user__display_name", "user__email", "item", "issuer"]
    list_export = [
        "user",
        "item",
        "served_on",
        "hours",
        "issuer",
        "grid",
        "adjustment_reason",
        "credited_at",
    ]
    export_filename = "service-records"
    form_fields = ["hours", "adjustment_reason"]
    ordering = ["-served_on"]


class VolunteersViewSetGroup(ModelViewSetGroup):
    items = (RosterMembershipViewSet, ShiftViewSet, SignUpViewSet, ServiceRecordViewSet)
    menu_icon = "group"
    menu_label = _("志愿服务")
    menu_order = 300


@hooks.register("register_admin_viewset")
def register_viewsets():
    return VolunteersViewSetGroup()


@hooks.register("register_admin_urls")
def register_report_url():
    return [
        path("volunteers/grid-report/", admin_views.grid_report, name="volunteers_grid_report"),
    ]


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return is_district_admin(request.user) or bool(staff_community_ids(request.user))


@hooks.register("register_reports_menu_item")
def register_report_menu_item():
    return ReportMenuItem(
        _("网格志愿服务统计"), reverse("volunteers_grid_report"), icon_name="table", order=300
    )
