"""随手拍, the report form in two steps: category and grid, then the details with photos and
an optional position. The service case_report holds the rules."""

import unicodedata
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from cases.forms.common import MultipleFileInput
from cases.models import CaseCategory
from cases.photos import MAX_PHOTOS, MAX_UPLOAD_BYTES, check_dimensions
from cases.sla_table import sla_table
from portal.filters import parse_id
from portal.forms import GridChoiceMixin
from portal.models import Grid
from portal.rows import load_chain
from portal.text import TextAreaField


def active_categories():
    return CaseCategory.objects.filter(is_active=True).order_by("sort_order", "name")


class _LookupChoiceField(forms.ModelChoiceField):
    """A choice read by `lookup(pk)` rather than through the queryset: every report posts
    one. The list, when it is shown (show_choice_fields), is still the queryset's."""

    def lookup(self, pk: int):
        raise NotImplementedError

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = parse_id(value)
        found = self.lookup(pk) if pk is not None else None
        if found is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return found


class _CategoryField(_LookupChoiceField):
    """An active category, from the cached SLA table (cases.sla_table)."""

    def lookup(self, pk: int):
        return sla_table().categories.get(pk)


class _GridField(_LookupChoiceField):
    """A grid with its community and street, in one statement written once (portal.rows)."""

    def lookup(self, pk: int):
        return load_chain(Grid, pk, ("community", "street"))


class ReportStartForm(GridChoiceMixin):
    """随手拍, step 1: what kind of problem and in which grid (the home grid by default).
    Sent by GET, so going back to change it loses nothing."""

    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=CaseCategory.objects.none(),
        empty_label=_("请选择类别"),
        error_messages={
            "required": _("请选择一个问题类别。"),
            "invalid_choice": _("所选类别不存在或已停用，请重新选择。"),
        },
    )
    grid_required = True
    field_order = ["category", "street", "community", "grid"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_categories()
        self.fields["grid"].error_messages["required"] = _("请依次选择街道、社区和网格。")
        self.fields["grid"].error_messages["invalid_choice"] = _("所选网格不存在，请重新选择。")
        for name in ("street", "community"):
            self.fields[name].error_messages["invalid_choice"] = _("所选地区不存在，请重新选择。")


class MultipleImageField(forms.ImageField):
    """Up to MAX_PHOTOS images in one input; each checked by Pillow and for its size."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})
    default_error_messages = {
        "invalid_image": _("无法识别这张照片，请上传 JPEG 或 PNG 格式的图片。"),
    }

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                _("最多上传 %(max)s 张照片，您选择了 %(count)s 张。"),
                params={"max": MAX_PHOTOS, "count": len(files)},
            )
        for item in files:
            if item.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("每张照片不能超过 10 MB，请换一张或压缩后再传。"))
            check_dimensions(item)
        return [super(MultipleImageField, self).clean(item, initial) for item in files]


def _coordinate_ok(value: str, low: int, high: int) -> bool:
    if len(value) > 32:
        return False
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return False
    return number.is_finite() and low <= number <= high


class NoControlCharactersValidator:
    """Refuses control characters (NUL and the like) other than line breaks and tabs."""

    def __init__(self, message):
        self.message = message

    def __call__(self, value):
        if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in value):
            raise forms.ValidationError(self.message, code="control_characters")

    def __eq__(self, other):
        return isinstance(other, NoControlCharactersValidator) and other.message == self.message


class ReportForm(forms.Form):
    """随手拍, step 2: the details. Category and grid come from step 1 in hidden fields and
    are validated again here; the service case_report holds the rules."""

    category = _CategoryField(
        queryset=CaseCategory.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("请选择一个问题类别。"),
            "invalid_choice": _("所选类别不存在或已停用，请重新选择。"),
        },
    )
    grid = _GridField(
        queryset=Grid.objects.select_related("community__street"),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("请选择问题所在的网格。"),
            "invalid_choice": _("所选网格不存在，请重新选择。"),
        },
    )
    description = TextAreaField(
        label=_("问题描述"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("说清楚是什么问题、在哪里、持续多久了，不超过 1000 字。"),
        error_messages={
            "required": _("请描述遇到的问题。"),
            "max_length": _("问题描述不能超过 %(limit_value)s 个字（现在是 %(show_value)s 个）。"),
        },
    )
    photos = MultipleImageField(
        label=_("照片（可选，最多 3 张）"),
        required=False,
        help_text=_("照片上传后会去掉拍摄位置等信息，只有工作人员能看到。"),
    )
    address = forms.CharField(
        label=_("详细地址（可选）"),
        max_length=200,
        required=False,
        help_text=_("例如：延安三路 128 号楼下、3 号楼 2 单元门口。"),
        error_messages={"max_length": _("详细地址不能超过 %(limit_value)s 个字。")},
    )
    # Checked in clean(): an error on a hidden field would show nowhere.
    latitude = forms.CharField(required=False, widget=forms.HiddenInput)
    longitude = forms.CharField(required=False, widget=forms.HiddenInput)
    contact_allowed = forms.BooleanField(
        label=_("同意工作人员通过我的账号联系方式联系我"), required=False
    )
    source = forms.ChoiceField(
        label=_("来源"),
        choices=[
            ("resident", _("我自己遇到的（居民上报）")),
            ("patrol", _("巡查中发现的（网格巡查）")),
        ],
        initial="resident",
        widget=forms.RadioSelect,
        required=False,
    )

    def __init__(self, *args, patrol_allowed: bool = False, **kwargs):
        # Every report builds this form: the category's list is read only when it is shown
        # (show_choice_fields), and the text checks are set once on the class (below).
        super().__init__(*args, **kwargs)
        if not patrol_allowed:
            del self.fields["source"]

    def clean(self):
        data = super().clean()
        for name, low, high, message in (
            ("latitude", -90, 90, _("位置的纬度不正确，请重新获取位置，或不附带位置提交。")),
            ("longitude", -180, 180, _("位置的经度不正确，请重新获取位置，或不附带位置提交。")),
        ):
            value = (data.get(name) or "").strip()
            if value and not _coordinate_ok(value, low, high):
                self.add_error(None, message)
                data[name] = ""
        if self.non_field_errors():
            # Forget the broken position, so the page sent back does not carry it again.
            self.data = self.data.copy()
            self.data["latitude"] = self.data["longitude"] = ""
        return data

    def show_choice_fields(self) -> None:
        """After a tampered or outdated category or grid: show the field as a list to choose
        from, so the resident corrects it on this page and keeps the text typed."""
        labels = {"category": _("问题类别"), "grid": _("问题所在的网格")}
        for name, label in labels.items():
            if name in self.errors:
                field = self.fields[name]
                if name == "grid":
                    field.label_from_instance = lambda grid: (
                        f"{grid.community.street.name} · {grid.community.name} · {grid.name}"
                    )
                if name == "category":
                    field.queryset = active_categories()
                field.label = label
                field.widget = forms.Select(choices=field.choices)
                field.widget.is_required = True
                # The bound field was made (with the hidden field's label) when the form was
                # cleaned: made again, it shows the label and the list.
                self._bound_fields_cache.pop(name, None)

    def clean_source(self):
        return self.cleaned_data.get("source") or "resident"


def _check_control_characters(form_class, messages: dict) -> None:
    """Replaces Django's null-character check, whose message makes no sense here, on the
    form's class (each form copies its fields from there)."""
    for name, message in messages.items():
        field = form_class.base_fields[name]
        field.validators = [
            validator
            for validator in field.validators
            if not isinstance(validator, ProhibitNullCharactersValidator)
        ] + [NoControlCharactersValidator(message)]


_check_control_characters(
    ReportForm,
    {
        "description": _("描述中含有无法识别的字符，请删除后再提交。"),
        "address": _("详细地址中含有无法识别的字符，请删除后再提交。"),
    },
)
