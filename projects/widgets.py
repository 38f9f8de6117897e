"""Editor widgets for the project pages: communities grouped by street, plain tags."""

import re

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from taggit.forms import TagWidget

from portal.models import Community


class CommunityPickerWidget(forms.CheckboxSelectMultiple):
    """服务社区 as checkboxes grouped by street (a fieldset each), with a search box that a
    little script shows and wires up; without the script it is a plain list of checkboxes."""

    template_name = "projects/widgets/community_picker.html"

    class Media:
        css = {"all": ["projects/community_picker.css"]}
        js = ["projects/community_picker.js"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        selected = {str(v) for v in (value or [])}
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        streets: dict[int, dict] = {}
        communities = Community.objects.select_related("street").order_by("street__code", "code")
        for index, community in enumerate(communities):
            street = streets.setdefault(
                community.street_id, {"name": community.street.name, "options": []}
            )
            street["options"].append(
                {
                    "id": f"{base_id}_{index}",
                    "value": str(community.pk),
                    "label": community.name,
                    "checked": str(community.pk) in selected,
                }
            )
        context["widget"]["streets"] = list(streets.values())
        context["widget"]["base_id"] = base_id
        context["widget"]["selected_count"] = len(selected)
        return context

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template tree, not the form renderer's (which looks only in apps).
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def id_for_label(self, id_, index=None):
        # The field's label names the group (fieldset legend), not one checkbox.
        return ""


class ProjectTagWidget(TagWidget):
    """Tags typed as text, separated by commas: a labelled input that works without script.
    Chinese commas and enumeration commas count as separators too."""

    def __init__(self, attrs=None):
        attrs = {"placeholder": _("例如：助老，助餐"), **(attrs or {})}
        super().__init__(attrs)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        if value:
            value = re.sub(r"[，、；;]", ",", value)
        return value
