"""Admin: the geography snippets (streets, communities, grids) and the audit log's actions.

Streets and communities are edited by district administrators only (model permissions);
community staff see and rename the grids of their own communities and never move a grid to
another community. A grid's leader is not a form field here: the volunteers app appoints
leaders through its service (candidates are the grid's active roster members) and adds the
action to this listing."""

from django.core.exceptions import PermissionDenied
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.views.pages.workflow import ConfirmWorkflowCancellationView
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.admin.viewsets.pages import PageViewSet
from wagtail.models import Page, get_page_models
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal import admin_views, bench_data, demo, page_cache, personal_data
from portal.audit import ACTIONS
from portal.models import Community, Grid, Street
from portal.periodic import PeriodicWork
from portal.permissions import is_district_admin, staff_community_ids
from portal.viewsets import CommunityScopedViewSetMixin


class StreetViewSet(CommunityScopedViewSetMixin, SnippetViewSet):
    """Staff see the streets of their communities."""

    model = Street
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)
    icon = "site"
    menu_label = _("街道")
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name"]
    export_filename = "streets"

    def scope_queryset(self, user, queryset):
        if is_district_admin(user):
            return queryset
        communities = Community.objects.filter(pk__in=staff_community_ids(user))
        return queryset.filter(pk__in=communities.values("street_id"))


class CommunityViewSet(CommunityScopedViewSetMixin, SnippetViewSet):
    model = Community
    community_lookup = "pk"
    pk_path_converter = "id"
    icon = "group"
    menu_label = _("社区")
    list_display = ["code", "name", "street"]
    list_filter = ["street"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name", "street"]
    export_filename = "communities"


class GridViewSet(CommunityScopedViewSetMixin, SnippetViewSet):
    model = Grid
    community_lookup = "community_id"
    pk_path_converter = "id"
    icon = "table"
    menu_label = _("网格")
    list_display = ["code", "name", "community", "leader"]
    list_filter = ["community__street", "community"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name", "community", "leader"]
    export_filename = "grids"
    inspect_view_enabled = True
    # Code and community only for those who may edit communities (district administrators):
    # the form leaves the fields out for everyone else, so a POSTed value is ignored.
    panels = [
        FieldPanel("code", permission="portal.change_community"),
        FieldPanel("name"),
        FieldPanel("community", permission="portal.change_community"),
    ]

    def get_queryset(self, request):
        return Grid.objects.select_related("community", "leader")


class GeographyViewSetGroup(ModelViewSetGroup):
    items = (StreetViewSet, CommunityViewSet, GridViewSet)
    menu_icon = "site"
    menu_label = _("区划与网格")
    menu_order = 900


register_snippet(GeographyViewSetGroup)


class StaffMenuItem(MenuItem):
    """Shown to district administrators and community staff only."""

    def is_shown(self, request):
        return is_district_admin(request.user) or bool(staff_community_ids(request.user))


@hooks.register("register_admin_urls")
def register_home_grid_correction_url():
    return [
        path(
            "home-grid/correct/",
            admin_views.home_grid_correct,
            name="portal_home_grid_correct",
        )
    ]


@hooks.register("register_admin_urls")
def register_export_job_urls():
    from portal.export_views import admin_urlpatterns

    return admin_urlpatterns


@hooks.register("register_admin_menu_item")
def register_export_jobs_menu_item():
    return StaffMenuItem(
        _("导出任务"), reverse("portal_export_jobs"), icon_name="download", order=920
    )


# In the main menu: the settings menu would show staff its Wagtail version footer.
@hooks.register("register_admin_menu_item")
def register_home_grid_correction_menu_item():
    return StaffMenuItem(
        _("更正居民所在网格"), reverse("portal_home_grid_correct"), icon_name="user", order=910
    )


@hooks.register("register_log_actions")
def register_portal_log_actions(actions):
    for action, (label, message) in ACTIONS.items():
        actions.register_action(action, label, message)


# --- Admin chrome for Chinese staff: no links out of the site ------------------------------
# Wagtail's menus link to guide.wagtail.org ("What's new", the editor guide), which staff on
# closed networks and in mainland China cannot reach. Every menu drops items that lead off
# the site; the settings next to WAGTAIL_GRAVATAR_PROVIDER_URL turn off the rest.


def _leads_off_site(url) -> bool:
    return str(url or "").startswith(("http://", "https://", "//"))


@hooks.register("construct_main_menu")
@hooks.register("construct_help_menu")
@hooks.register("construct_settings_menu")
@hooks.register("construct_reports_menu")
def hide_off_site_menu_items(request, menu_items):
    menu_items[:] = [item for item in menu_items if not _leads_off_site(item.url)]


# --- Page workflow: the cancellation prompt is for the page's editors ----------------------


class EditorsConfirmWorkflowCancellationView(ConfirmWorkflowCancellationView):
    """Wagtail serves this prompt (shown before publishing a page that is in moderation) to
    anyone in the admin; it names the page and its workflow, so it asks for the same right as
    the page editor it belongs to."""

    def dispatch(self, request, *args, **kwargs):
        if not self.object.permissions_for_user(request.user).can_edit():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class PortalPageViewSet(PageViewSet):
    confirm_workflow_cancellation_view_class = EditorsConfirmWorkflowCancellationView


@hooks.register("register_admin_viewset")
def register_page_viewsets():
    # Per page type: Wagtail's own viewset for the base Page is registered after the project's
    # hooks and would replace one registered for Page; a subclass's viewset is found first.
    return [
        PortalPageViewSet(
            name=f"{model._meta.app_label}_{model._meta.model_name}_pages", model=model
        )
        for model in get_page_models()
        if model is not Page
    ]


# What portal itself holds about a person (see portal.personal_data). Its eraser runs last,
# after the apps have erased theirs.
hooks.register("portal_personal_data_exporters", personal_data.personal_data_export, order=0)
hooks.register("portal_personal_data_erasers", personal_data.personal_data_erase, order=100)


# Demo and bench data (see portal.demo_context).
hooks.register("portal_demo_data", demo.load, order=0)
hooks.register("portal_bench_data", bench_data.generate, order=0)
hooks.register("portal_bench_urls", bench_data.bench_urls, order=0)


# Every Wagtail page's anonymous answer may be kept in the page cache (portal.page_cache).
hooks.register("before_serve_page", page_cache.before_serve_page)


@hooks.register("portal_periodic_work")
def periodic_work() -> PeriodicWork:
    from portal.export_jobs import exports_purge

    return PeriodicWork("exports_purge", 3600, exports_purge)
