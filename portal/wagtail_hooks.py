from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from portal.audit import ACTIONS
from portal.models import Community, Grid, Street


class StreetViewSet(SnippetViewSet):
    model = Street
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)
    icon = "site"
    menu_label = _("街道")
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]
    list_export = ["code", "name"]
    export_filename = "streets"


class CommunityViewSet(SnippetViewSet):
    model = Community
    pk_path_converter = "id"
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
    pk_path_converter = "id"
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
