"""Admin viewsets that show each person only their own part of the district.

`CommunityScopedViewSetMixin` goes in front of a `ModelViewSet` or `SnippetViewSet`. Every view
the viewset builds (index and its CSV/XLSX export, inspect, edit, delete, copy, history, usage,
reorder, and for snippets the chooser) reads its objects through the viewset's one
`scope_queryset(user, queryset)`: district administrators see everything, community staff the
rows of their communities, everyone else nothing. A detail view of an object outside the scope
answers 404, as if the id did not exist, so ids cannot be probed.

Wagtail's generic views fetch their objects in several ways (`get_queryset`, `get_object`
with or without a queryset, `get_base_object_queryset`, `get_object_list` in choosers), so the
scoping is attached per kind of view, and a view of a kind this module does not know stops
the admin from starting instead of serving unscoped rows.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.admin.views.generic.chooser import (
    BaseChooseView,
    ChosenMultipleViewMixin,
    CreateViewMixin,
)
from wagtail.admin.views.generic.ordering import ReorderView
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from portal.forms import StaffUserCreationForm, StaffUserEditForm
from portal.permissions import is_district_admin, staff_community_ids


class UserViewSet(WagtailUserViewSet):
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)

    def get_form_class(self, for_update=False):
        return StaffUserEditForm if for_update else StaffUserCreationForm


# --- Views ---------------------------------------------------------------------------------


class ScopedViewMixin:
    """Common part of the scoped views: `scoping_viewset` is set by the viewset."""

    scoping_viewset = None

    def scope(self, queryset: QuerySet) -> QuerySet:
        return self.scoping_viewset.scope_queryset(self.request.user, queryset)


class ScopedObjectViewMixin(ScopedViewMixin):
    """Views of one object (inspect, edit, delete, copy, history, usage, revisions, lock, the
    chooser's "chosen" step): the object must be in the scope, else 404."""

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is None:  # a create view (snippets' CreateView asks too)
            return obj
        model = self.scoping_viewset.model
        if not self.scope(model._default_manager.filter(pk=obj.pk)).exists():
            raise Http404
        return obj


class ScopedListingViewMixin(ScopedViewMixin):
    """Index, its results fragment and its spreadsheet export."""

    def get_base_queryset(self):
        return self.scope(super().get_base_queryset())


class ScopedReorderViewMixin(ScopedViewMixin):
    def get_queryset(self):
        return self.scope(super().get_queryset())


class ScopedChooseViewMixin(ScopedViewMixin):
    def get_object_list(self):
        return self.scope(super().get_object_list())


class ScopedChosenMultipleViewMixin(ScopedViewMixin):
    def get_objects(self, pks):
        return self.scope(super().get_objects(pks))


class ScopedChooserCreateViewMixin(ScopedViewMixin):
    """The chooser's creation form reads no existing object; who may create is the
    permission policy's question."""


def _mixin_for(view_class) -> type:
    # Order matters: HistoryView is a listing *of log entries* about one object, so a view
    # with get_object is scoped by its object, whatever else it lists.
    if issubclass(view_class, ChosenMultipleViewMixin):
        return ScopedChosenMultipleViewMixin
    if hasattr(view_class, "get_object"):
        return ScopedObjectViewMixin
    if issubclass(view_class, BaseChooseView):
        return ScopedChooseViewMixin
    if issubclass(view_class, BaseListingView):
        return ScopedListingViewMixin
    if issubclass(view_class, ReorderView):
        return ScopedReorderViewMixin
    if issubclass(view_class, CreateViewMixin):
        return ScopedChooserCreateViewMixin
    raise ImproperlyConfigured(
        f"{view_class.__name__}: portal.viewsets does not know how to scope this kind of view."
    )


def scoped_view_class(view_class, viewset) -> type:
    """`view_class` with the scoping of `viewset` applied to every object it reads."""
    if issubclass(view_class, ScopedViewMixin):
        return type(view_class.__name__, (view_class,), {"scoping_viewset": viewset})
    mixin = _mixin_for(view_class)
    return type(view_class.__name__, (mixin, view_class), {"scoping_viewset": viewset})


class BackgroundExportIndexMixin:
    """A listing whose CSV/XLSX buttons queue an export job (portal.export_jobs) instead of
    writing the whole table in the request: they lead to the job's confirmation page, with
    the list's filters; an old ?export= link goes there too."""

    export_source_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.background_export = self.is_export
        self.is_export = False  # never the synchronous spreadsheet

    def get_export_url(self, format):
        query = self.request.GET.copy()
        for name in ("export", "p"):
            query.pop(name, None)
        params = {"source": self.export_source_name, "format": format}
        if query:
            params["query"] = query.urlencode()
        return reverse("portal_export_new") + "?" + urlencode(params)

    def get(self, request, *args, **kwargs):
        if self.background_export:
            return HttpResponseRedirect(self.get_export_url(request.GET["export"]))
        return super().get(request, *args, **kwargs)


# --- Viewsets ------------------------------------------------------------------------------


class _ScopedConstructMixin:
    def construct_view(self, view_class, **kwargs):
        return super().construct_view(scoped_view_class(view_class, self.scoping), **kwargs)


class CommunityScopedViewSetMixin(_ScopedConstructMixin):
    """Put in front of `ModelViewSet` / `SnippetViewSet`. Set `community_lookup` to the path
    from the model to its community's id (`"grid__community_id"`), or override
    `scope_queryset` when the rule is not a plain lookup. With neither, only district
    administrators see the rows."""

    community_lookup: str | None = None
    pk_path_converter = "id"  # ids past 64 bits answer 404, not 500 (portal.converters)

    @property
    def scoping(self):
        return self

    def construct_view(self, view_class, **kwargs):
        if getattr(self, "list_export", None) and issubclass(view_class, SpreadsheetExportMixin):
            view_class = type(
                view_class.__name__,
                (BackgroundExportIndexMixin, view_class),
                {"export_source_name": self.url_namespace},
            )
        return super().construct_view(view_class, **kwargs)

    def scope_queryset(self, user, queryset: QuerySet) -> QuerySet:
        if is_district_admin(user):
            return queryset
        if self.community_lookup is None:
            return queryset.none()
        scope = staff_community_ids(user)
        if not scope:
            return queryset.none()
        return queryset.filter(**{f"{self.community_lookup}__in": scope})

    @property
    def chooser_viewset_class(self):
        # Snippets only: the chooser modal lists and returns objects through the same scope.
        base = super().chooser_viewset_class
        return type(
            f"Scoped{base.__name__}",
            (_ScopedChooserViewSetMixin, base),
            {"scoping_viewset": self},
        )


class DistrictWideViewSetMixin(CommunityScopedViewSetMixin):
    """For data that belongs to no community (project categories): everyone the model
    permissions let in sees every row. Saying so explicitly keeps every project viewset on
    the one scoping path."""

    def scope_queryset(self, user, queryset: QuerySet) -> QuerySet:
        return queryset


class _ScopedChooserViewSetMixin(_ScopedConstructMixin):
    scoping_viewset = None

    @property
    def scoping(self):
        return self.scoping_viewset


def is_scoped_view(view_class) -> bool:
    return issubclass(view_class, ScopedViewMixin)


class ServiceGuardedPermissionPolicy(ModelPermissionPolicy):
    """Model permissions, less the actions that only a service may perform: nobody adds,
    changes or deletes such rows through the generic admin views, whatever their group or
    superuser status; the viewset offers actions that call the service instead."""

    def __init__(self, model, *, denied_actions=("add", "delete"), **kwargs):
        super().__init__(model, **kwargs)
        self.denied_actions = frozenset(denied_actions)

    def user_has_permission(self, user, action):
        if action in self.denied_actions:
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.denied_actions]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)
