"""Entries in Wagtail's audit log for reads of personal data: staff exports, views of contact
lists, a person's own data download and account deletion (PIPL: who looked, and when)."""

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import LogEntriesView, SiteHistoryReportFilterSet
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry, PageLogEntry

from portal.permissions import is_district_admin

ACTIONS = {
    "portal.export": (_("导出数据"), _("导出了数据")),
    "portal.view_contacts": (_("查看联系方式"), _("查看了联系方式")),
    "portal.personal_data_download": (_("下载本人数据"), _("下载了本人数据")),
    "portal.account_deleted": (_("注销账号"), _("注销了账号")),
}


def audit_log(*, actor, action: str, instance, data: dict | None = None) -> None:
    """Record that `actor` did `action` (one of ACTIONS) on `instance`, with details."""
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}")
    log(instance=instance, action=action, user=actor, data=data or {})


# --- The admin's site history, scoped like the viewsets ------------------------------------


def _scoped_viewsets():
    from wagtail.admin.viewsets import viewsets

    from portal.viewsets import CommunityScopedViewSetMixin

    seen = {}
    for viewset in viewsets.viewsets:
        if isinstance(viewset, CommunityScopedViewSetMixin) and viewset.model is not None:
            seen.setdefault(viewset.model, viewset)
    return list(seen.values())


def scope_model_log_entries(user, queryset):
    """Log entries about objects (not pages) that `user` may see: all for district
    administrators; for everyone else only entries about objects inside the scope of a
    project viewset (portal.viewsets), so staff see their communities' entries only."""
    if is_district_admin(user):
        return queryset
    condition = None
    for viewset in _scoped_viewsets():
        model = viewset.model
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        ids = (
            viewset.scope_queryset(user, model._default_manager.all())
            .annotate(_object_id=Cast("pk", output_field=CharField()))
            .values("_object_id")
        )
        part = Q(content_type_id=content_type.pk, object_id__in=ids)
        condition = part if condition is None else condition | part
    if condition is None:
        return queryset.filter(pk__in=[])
    return queryset.filter(condition)


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    def get_user_choices(self):
        user = self.request.user
        entries = scope_model_log_entries(user, ModelLogEntry.objects.viewable_by_user(user))
        ids = set(entries.get_user_ids())
        ids.update(PageLogEntry.objects.viewable_by_user(user).get_user_ids())
        User = get_user_model()
        return User.objects.filter(pk__in=ids).order_by(User.USERNAME_FIELD)


class SiteHistoryView(LogEntriesView):
    """Wagtail's site history (and its export), with entries about objects limited by
    scope_model_log_entries. Page entries keep Wagtail's page permissions."""

    filterset_class = ScopedSiteHistoryFilterSet

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if issubclass(queryset.model, ModelLogEntry):
            queryset = scope_model_log_entries(self.request.user, queryset)
        return queryset


# Served in front of Wagtail's own URLs for the same paths (portal/urls.py), so the admin's
# "Site history" menu item and its links lead here.
site_history_urlpatterns = [
    path("", require_admin_access(never_cache(SiteHistoryView.as_view()))),
    path(
        "results/",
        require_admin_access(never_cache(SiteHistoryView.as_view(results_only=True))),
    ),
]
