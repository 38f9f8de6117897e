"""Validated ids for query-string filters. An id outside the database's 64-bit range must
make the filter invalid (a message, or HTTP 400), never reach the database, where it fails
(HTTP 500). Filter forms use IdField; FilterSets use PortalFilterSet, whose foreign-key
filters validate the id before looking it up."""

import django_filters
import django_filters.fields
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.admin.filters import WagtailFilterSet

MAX_ID = 2**63 - 1  # the largest BigAutoField value


def parse_id(value) -> int | None:
    """The id in `value` (a string of digits, 1 … 2⁶³−1), or None."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdField(forms.IntegerField):
    """An optional object id in a filter form."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def _integer_key(field: forms.ModelChoiceField) -> bool:
    model_field = field.queryset.model._meta.pk
    if field.to_field_name:
        model_field = field.queryset.model._meta.get_field(field.to_field_name)
    while model_field.is_relation:  # a page's key is its link to Page
        model_field = model_field.target_field
    return isinstance(model_field, models.IntegerField)


class IdModelChoiceField(django_filters.fields.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and _integer_key(self) and parse_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdModelMultipleChoiceField(django_filters.fields.ModelMultipleChoiceField):
    def _check_values(self, value):
        if _integer_key(self):
            for item in value:
                if parse_id(item) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": item},
                    )
        return super()._check_values(value)


class IdModelChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = IdModelChoiceField


class IdModelMultipleChoiceFilter(django_filters.ModelMultipleChoiceFilter):
    field_class = IdModelMultipleChoiceField


class PortalFilterSet(WagtailFilterSet):
    """The base of every admin list filter (a viewset's IndexView.base_filterset_class):
    relation filters built from `list_filter` validate their ids."""

    FILTER_DEFAULTS = {
        **WagtailFilterSet.FILTER_DEFAULTS,
        models.ForeignKey: {
            **WagtailFilterSet.FILTER_DEFAULTS[models.ForeignKey],
            "filter_class": IdModelChoiceFilter,
        },
        models.OneToOneField: {
            **WagtailFilterSet.FILTER_DEFAULTS[models.OneToOneField],
            "filter_class": IdModelChoiceFilter,
        },
        models.ManyToManyField: {
            **WagtailFilterSet.FILTER_DEFAULTS[models.ManyToManyField],
            "filter_class": IdModelMultipleChoiceFilter,
        },
    }


class AreaFilterForm(forms.Form):
    """?street=…&community=… on result pages and reports."""

    street = IdField()
    community = IdField()


class NewsFilterForm(forms.Form):
    """?tag=… on the news index. A tag longer than a tag can be is ignored."""

    tag = forms.CharField(required=False, max_length=100)

    def tag_or_blank(self) -> str:
        return self.cleaned_data["tag"] if self.is_valid() else ""


class ExportFormatForm(forms.Form):
    """?export=csv|xlsx on an admin report; any other value shows the report itself."""

    export = forms.ChoiceField(required=False, choices=[("csv", "CSV"), ("xlsx", "Excel")])

    def format_or_none(self) -> str | None:
        return (self.cleaned_data["export"] or None) if self.is_valid() else None
