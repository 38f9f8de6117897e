from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class PortalConfig(AppConfig):
    default = True
    name = "portal"
    verbose_name = _("门户")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from portal import page_cache, signals  # noqa: F401
        from portal.converters import IdConverter
        from portal.exports import neutralise_wagtail_exports

        register_converter(IdConverter, "id")

        neutralise_wagtail_exports()
        page_cache.connect_signals()


class PortalUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin with the portal's own fields (display name, mobile number)."""

    user_viewset = "portal.viewsets.UserViewSet"
