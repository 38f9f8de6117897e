from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("应用接口")
    default_auto_field = "django.db.models.BigAutoField"
