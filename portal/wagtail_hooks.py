from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.audit import ACTIONS
from portal.models import Community, Grid, Street


class StreetViewSet(SnippetViewSet):
    model = Street
    icon = "site"
    menu_label = _("街道")
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name"]
    export_filename = "streets"


class CommunityViewSet(SnippetViewSet):
    model = Community
    icon = "group"
    menu_label = _("社区")
    list_display = ["code", "name", "street"]
    list_filter = ["street"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name", "street"]
    export_filename = "communities"


class GridViewSet(SnippetViewSet):
    model = Grid
    icon = "table"
    menu_label = _("网格")
    list_display = ["code", "name", "community", "leader"]
    list_filter = ["community__street", "community"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name", "community", "leader"]
    export_filename = "grids"

    def get_queryset(self, request):
        return Grid.objects.select_related("community", "leader")


class GeographyViewSetGroup(ModelViewSetGroup):
    items = (StreetViewSet, CommunityViewSet, GridViewSet)
    menu_icon = "site"
    menu_label = _("区划与网格")
    menu_order = 900


register_snippet(GeographyViewSetGroup)


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
