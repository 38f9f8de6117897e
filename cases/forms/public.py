"""Forms of the public pages: the filters of the case list, the reporter's rating, 网格长核查
on the case page, and the scope of the statistics."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.actions import VerifyForm
from cases.models import CaseCategory, Rating, State
from cases.statistics import DEFAULT_PERIOD, PERIODS
from portal.filters import parse_id
from portal.models import Community, Street
from portal.text import TextAreaField

PUBLIC_STATES = [(value, label) for value, label in State.choices if value != State.REJECTED]


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
        # A community of another street would list nothing without saying why: with a
        # street chosen, only its communities are choices (and offered).
        street_id = parse_id((data or {}).get("street"))
        if street_id is not None:
            community = self.filters["community"]
            community.queryset = Community.objects.filter(street_id=street_id)
            community.extra["error_messages"] = {
                "invalid_choice": _("所选社区不存在或不属于所选街道，请重新选择。")
            }


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("您对办理结果满意吗？"),
        choices=Rating.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意、基本满意或不满意。")},
    )
    comment = TextAreaField(
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
