from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("民意征集")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from portal import registry
        from surveys import personal_data, sections

        personal_data.register()

        registry.register_home_section(
            name="surveys_open",
            template="surveys/includes/home_section.html",
            context=sections.home_section,
            order=20,
        )
        registry.register_account_section(
            name="surveys_mine",
            template="surveys/includes/account_section.html",
            context=sections.account_section,
            order=30,
        )
