from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("随手拍 · 诉求")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from cases.models import CaseCategory, CaseTimeLimit, WorkingDayOverride
        from cases.sla_table import sla_changed

        for model in (CaseCategory, CaseTimeLimit, WorkingDayOverride):
            post_save.connect(sla_changed, sender=model, dispatch_uid=f"sla-{model.__name__}")
            post_delete.connect(sla_changed, sender=model, dispatch_uid=f"sla-del-{model.__name__}")
