"""Forms of the staff workspace: the inbox filters and one form per action on a case. Each
action form only parses input; the service it feeds holds the rules."""

import django_filters
from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from cases import selectors
from cases.models import OPEN_STATES, CaseCategory, CaseExtension, State
from portal.models import Community, Grid, User
from portal.permissions import COMMUNITY_STAFF, DISTRICT_ADMINS, is_district_admin


def department_groups():
    """The groups a case can be dispatched to: every group except the portal's own roles."""
    return Group.objects.exclude(name__in=[DISTRICT_ADMINS, COMMUNITY_STAFF]).order_by("name")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


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
        label=_("网格"), queryset=Grid.objects.none(), empty_label=_("全部")
    )
    number = django_filters.CharFilter(label=_("编号"), field_name="number", lookup_expr="exact")

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", self.OPEN)
        super().__init__(data, *args, **kwargs)
        communities = Community.objects.select_related("street")
        grids = Grid.objects.select_related("community")
        if not is_district_admin(user):
            from cases.permissions import led_grid_ids
            from portal.permissions import staff_community_ids

            scope = staff_community_ids(user)
            communities = communities.filter(pk__in=scope)
            grids = grids.filter(community_id__in=scope) | grids.filter(pk__in=led_grid_ids(user))
        self.filters["community"].queryset = communities
        self.filters["grid"].queryset = grids

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
        label=_("处置部门"), queryset=Group.objects.none(), required=False
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
        label=_("处置部门"), queryset=Group.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = department_groups()

    def clean(self):
        data = super().clean()
        if data.get("operation") == self.DISPATCH_DEPARTMENT and not data.get("department"):
            raise forms.ValidationError(_("请选择要派遣到的部门。"))
        return data
