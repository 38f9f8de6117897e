from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("创益工场")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from portal import registry
        from projects import personal_data, sections, signals  # noqa: F401

        personal_data.register()

        registry.register_home_section(
            name="projects_recruiting",
            template="projects/includes/home_section.html",
            context=sections.home_section_context,
            order=20,
        )
        registry.register_account_section(
            name="projects_my_organizations",
            template="projects/includes/account_section.html",
            context=sections.account_section_context,
            order=30,
        )
