from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("创益工场")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from projects import signals  # noqa: F401
