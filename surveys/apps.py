from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("民意征集")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from surveys import signals  # noqa: F401
