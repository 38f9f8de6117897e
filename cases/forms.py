"""Forms of the staff workspace: the inbox filters and one form per action on a case. Each
action form only parses input; the service it feeds holds the rules."""

import unicodedata
from decimal import Decimal, InvalidOperation

import django_filters
from django import forms
from django.contrib.auth.models import Group
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.models import OPEN_STATES, CaseCategory, CaseExtension, State
from portal.models import Community, Grid, User
from portal.permissions import is_district_admin


def department_groups():
    """The groups a case can be dispatched to: the handling departments (see
    cases.permissions.handling_departments), never a role group such as Editors or 网格长."""
    from cases.permissions import handling_departments

    return handling_departments()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _int_or_none(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


class InboxFilterSet(django_filters.FilterSet):
    """我的待办 filters. Choices of grid and community are limited to the person's scope."""

    OPEN = "open"
    STATE_CHOICES = [(OPEN, _("全部待办")), *State.choices, ("all", _("全部状态"))]
    DUE_CHOICES = [("overdue", _("已超期")), ("soon", _("即将到期"))]

    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=STATE_CHOICES, method="filter_state", empty_label=None
    )
    due = django_filters.ChoiceFilter(
        label=_("期限"), choices=DUE_CHOICES, method="filter_due", empty_label=_("全部")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("类别"), queryset=CaseCategory.objects.all(), empty_label=_("全部")
    )
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.none(), empty_label=_("全部")
    )
    grid = django_filters.ModelChoiceFilter(
        label=_("网格"),
        queryset=Grid.objects.none(),
        empty_label=_("全部"),
        help_text=_("先选择社区，再选择其中的网格。"),
    )
    number = django_filters.CharFilter(label=_("编号"), field_name="number", lookup_expr="exact")

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", self.OPEN)
        super().__init__(data, *args, **kwargs)
        communities = Community.objects.select_related("street")
        grids = Grid.objects.select_related("community")
        scope = ()
        if not is_district_admin(user):
            from cases.permissions import led_grid_ids
            from portal.permissions import staff_community_ids

            scope = staff_community_ids(user)
            communities = communities.filter(pk__in=scope)
            grids = grids.filter(community_id__in=scope) | grids.filter(pk__in=led_grid_ids(user))
        self.filters["community"].queryset = communities
        # The grid list holds only the grids of the chosen community (and the chosen grid):
        # a district has over a thousand grids, too many for one list on every page view.
        # A person whose scope is a single community (or a few led grids) sees theirs.
        community_id = _int_or_none(self.data.get("community"))
        grid_id = _int_or_none(self.data.get("grid"))
        shown = Q(pk__in=[])
        if community_id is not None:
            shown |= Q(community_id=community_id)
        if grid_id is not None:
            shown |= Q(pk=grid_id)
        if not is_district_admin(user) and community_id is None and len(scope) <= 1:
            shown = Q()
        self.filters["grid"].queryset = grids.filter(shown).order_by("community_id", "code")

    def filter_state(self, queryset, name, value):
        if value == self.OPEN:
            return queryset.filter(state__in=OPEN_STATES)
        if value == "all":
            return queryset
        return queryset.filter(state=value)

    def filter_due(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(selectors.overdue_q())
        return queryset.filter(selectors.due_soon_q())


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("不予受理的原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )
    duplicate_of = forms.CharField(
        label=_("重复于（原诉求编号，可选）"), required=False, max_length=32
    )


class DispatchForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("处置部门"),
        queryset=Group.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("只能派遣到处置部门，请重新选择。")},
    )
    assignee = forms.ModelChoiceField(
        label=_("处置人（可选）"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("派遣给部门中的某一个人时选择。"),
    )
    note = forms.CharField(
        label=_("说明（可选）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = department_groups()
        self.fields["department"].queryset = departments
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, is_staff=True
        ).order_by("display_name")
        if case is not None and case.category.department_id and not self.is_bound:
            self.initial["department"] = case.category.department_id

    def clean(self):
        data = super().clean()
        if not data.get("department") and not data.get("assignee"):
            raise forms.ValidationError(_("请选择处置部门或处置人。"))
        return data


class HandleForm(forms.Form):
    result = forms.CharField(
        label=_("处置结果"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000
    )
    photos = MultiplePhotoField(label=_("处置照片（最多 3 张）"), required=False)


class VerifyForm(forms.Form):
    PASS_CLOSE, PASS, FAIL = "pass_close", "pass", "fail"
    outcome = forms.ChoiceField(
        label=_("核查结论"),
        choices=[
            (PASS_CLOSE, _("通过并结案")),
            (PASS, _("通过，稍后结案")),
            (FAIL, _("未通过，退回返工")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("核查意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeaderVerifyForm(VerifyForm):
    """网格长核查 on the public case page: pass (and close) or send back; no 稍后结案, since
    closing later is done in 我的待办."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [
            (self.PASS_CLOSE, _("通过并结案")),
            (self.FAIL, _("未通过，退回返工")),
        ]
        self.fields["note"].help_text = _("核查意见会公开显示在办理进展中，请不要写入个人信息。")


class ExtensionRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CaseExtension.Kind.choices)
    hours = forms.IntegerField(
        label=_("延长的工作小时"),
        required=False,
        min_value=1,
        help_text=_("一个工作日按 7 小时计。"),
    )
    reason = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )


class ExtensionDecideForm(forms.Form):
    extension = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("审批"),
        choices=[("1", _("批准")), ("0", _("不批准"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )


class PhotoPublicForm(forms.Form):
    photo = forms.IntegerField(widget=forms.HiddenInput)
    public = forms.TypedChoiceField(
        choices=[("1", _("公开")), ("0", _("不公开"))], coerce=lambda value: value == "1"
    )


class BulkForm(forms.Form):
    ACCEPT, DISPATCH_CATEGORY, DISPATCH_DEPARTMENT = "accept", "dispatch_category", "dispatch"
    operation = forms.ChoiceField(
        label=_("批量操作"),
        choices=[
            (ACCEPT, _("受理")),
            (DISPATCH_CATEGORY, _("派遣到类别的处置部门")),
            (DISPATCH_DEPARTMENT, _("派遣到所选部门")),
        ],
    )
    department = forms.ModelChoiceField(
        label=_("处置部门"),
        queryset=Group.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("只能派遣到处置部门，请重新选择。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_groups()

    def clean(self):
        data = super().clean()
        if data.get("operation") == self.DISPATCH_DEPARTMENT and not data.get("department"):
            raise forms.ValidationError(_("请选择要派遣到的部门。"))
        return data


# --- Resident-facing forms: the report (随手拍), the public list, rating, statistics ---------
# Imported here rather than at the top so the staff forms above stay as they are.

from cases.models import Rating  # noqa: E402
from cases.photos import MAX_PHOTOS, MAX_UPLOAD_BYTES, check_dimensions  # noqa: E402
from cases.statistics import DEFAULT_PERIOD, PERIODS  # noqa: E402
from portal.forms import GridChoiceMixin  # noqa: E402
from portal.models import Street  # noqa: E402

PUBLIC_STATES = [(value, label) for value, label in State.choices if value != State.REJECTED]


def active_categories():
    return CaseCategory.objects.filter(is_active=True).order_by("sort_order", "name")


class ReportStartForm(GridChoiceMixin):
    """随手拍, step 1: what kind of problem and in which grid (the home grid by default).
    Sent by GET, so going back to change it loses nothing."""

    category = forms.ModelChoiceField(
        label=_("问题类别"),
        queryset=CaseCategory.objects.none(),
        empty_label=_("请选择类别"),
        error_messages={
            "required": _("请选择一个问题类别。"),
            "invalid_choice": _("所选类别已停用，请重新选择。"),
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

    category = forms.ModelChoiceField(
        queryset=CaseCategory.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("请选择一个问题类别。"),
            "invalid_choice": _("所选类别已停用，请重新选择。"),
        },
    )
    grid = forms.ModelChoiceField(
        queryset=Grid.objects.select_related("community__street"),
        widget=forms.HiddenInput,
        error_messages={
            "required": _("请选择问题所在的网格。"),
            "invalid_choice": _("所选网格不存在，请重新选择。"),
        },
    )
    description = forms.CharField(
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
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = active_categories()
        if not patrol_allowed:
            del self.fields["source"]
        for name, message in (
            ("description", _("描述中含有无法识别的字符，请删除后再提交。")),
            ("address", _("详细地址中含有无法识别的字符，请删除后再提交。")),
        ):
            field = self.fields[name]
            # Replaces Django's null-character check, whose message makes no sense here.
            field.validators = [
                validator
                for validator in field.validators
                if not isinstance(validator, ProhibitNullCharactersValidator)
            ] + [NoControlCharactersValidator(message)]

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
                field.label = label
                field.widget = forms.Select(choices=field.choices)
                field.widget.is_required = True

    def clean_source(self):
        return self.cleaned_data.get("source") or "resident"


class PublicCaseFilterSet(django_filters.FilterSet):
    """Filters of the public case list. Rejected cases are never listed."""

    street = django_filters.ModelChoiceFilter(
        label=_("街道"), queryset=Street.objects.all(), empty_label=_("全部街道")
    )
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.all(), empty_label=_("全部社区")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("类别"), queryset=CaseCategory.objects.all(), empty_label=_("全部类别")
    )
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=PUBLIC_STATES, empty_label=_("全部状态")
    )

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        for name in ("street", "community", "category"):
            self.filters[name].extra["error_messages"] = {
                "invalid_choice": _("所选的筛选条件不存在，请重新选择。")
            }


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意、基本满意或不满意。")},
    )
    comment = forms.CharField(
        label=_("补充意见（可选，仅工作人员可见）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("补充意见不能超过 %(limit_value)s 个字。")},
    )


class StatisticsForm(forms.Form):
    """Scope and period of the statistics page; an unknown street or community is an error
    the page shows (400), never a 500."""

    street = forms.ModelChoiceField(
        label=_("街道"), queryset=Street.objects.all(), required=False, empty_label=_("全区")
    )
    community = forms.ModelChoiceField(
        label=_("社区"),
        queryset=Community.objects.all(),
        required=False,
        empty_label=_("全部社区"),
    )
    days = forms.TypedChoiceField(
        label=_("统计期"),
        choices=list(PERIODS.items()),
        coerce=int,
        required=False,
        empty_value=DEFAULT_PERIOD,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("street", "community"):
            self.fields[name].error_messages["invalid_choice"] = _("所选地区不存在，请重新选择。")
        self.fields["days"].error_messages["invalid_choice"] = _("请选择统计期。")

    def clean(self):
        data = super().clean()
        street, community = data.get("street"), data.get("community")
        if street and community and community.street_id != street.pk:
            # The street was changed without JavaScript: the community of the old one no
            # longer applies.
            data["community"] = None
        return data
