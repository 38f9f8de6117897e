"""The survey editor's form (kept apart from surveys.forms, which imports the models)."""

from django.utils.translation import gettext_lazy as _
from wagtail.contrib.forms.forms import WagtailAdminFormPageForm


class SurveyPageAdminForm(WagtailAdminFormPageForm):
    """A survey for "selected streets or communities" must name at least one of them, or
    nobody could answer it."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == "selected" and not (
            cleaned.get("audience_streets") or cleaned.get("audience_communities")
        ):
            self.add_error(
                "audience_streets",
                _("征集对象为“指定街道或社区”时，请至少选择一个街道或社区。"),
            )
        return cleaned
