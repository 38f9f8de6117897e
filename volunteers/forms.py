from django import forms
from django.utils.translation import gettext_lazy as _

from portal.forms import GridChoiceMixin
from portal.text import TextAreaField
from volunteers.models import RosterMembership, Shift, validate_repeat_weeks

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def _datetime_field(label, required=True, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={
            "required": _("请填写时间。"),
            "invalid": _("请按“年-月-日 时:分”填写时间。"),
        },
    )


class GridRequiredMixin(GridChoiceMixin):
    grid_required = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].error_messages["required"] = _("请依次选择街道、社区和网格。")


class GridFinderForm(GridRequiredMixin):
    """Find a grid's page: street → community → grid."""


class ApplyForm(GridRequiredMixin):
    """A resident asks to join a grid's volunteer roster."""

    role = forms.ChoiceField(
        label=_("申请角色"),
        choices=[
            (RosterMembership.Role.VOLUNTEER, _("志愿者")),
            (RosterMembership.Role.PATROL, _("巡治员")),
        ],
        initial=RosterMembership.Role.VOLUNTEER,
        widget=forms.RadioSelect,
        help_text=_("巡治员定期参加网格徒步巡查；志愿者参加巡查和社区活动。"),
    )
    skills = forms.CharField(
        label=_("特长"),
        required=False,
        max_length=200,
        help_text=_("用逗号分隔，例如：急救，摄影，法律咨询。"),
    )
    availability = forms.CharField(
        label=_("可服务时间"),
        required=False,
        max_length=200,
        help_text=_("例如：工作日晚上、周末上午。"),
    )
    motivation = TextAreaField(
        label=_("申请说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def skill_list(self) -> list[str]:
        raw = self.cleaned_data.get("skills", "").replace("，", ",").replace("、", ",")
        return [s.strip() for s in raw.split(",") if s.strip()]


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("审核意见"), required=False, max_length=300)


class AppointLeaderForm(forms.Form):
    membership = forms.ModelChoiceField(
        label=_("任命为网格长"),
        queryset=RosterMembership.objects.none(),
        empty_label=_("请选择名册成员"),
        error_messages={"required": _("请选择一位名册成员。")},
    )

    def __init__(self, *args, grid, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = RosterMembership.objects.filter(
            grid=grid, status=RosterMembership.Status.ACTIVE
        ).select_related("user")
        self.fields["membership"].label_from_instance = lambda m: m.user.get_display_name()


class ShiftForm(forms.Form):
    title = forms.CharField(
        label=_("名称"), max_length=100, error_messages={"required": _("请填写名称。")}
    )
    place = forms.CharField(
        label=_("地点"), max_length=200, error_messages={"required": _("请填写地点。")}
    )
    description = TextAreaField(
        label=_("说明"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    starts_at = _datetime_field(_("开始时间"))
    ends_at = _datetime_field(_("结束时间"))
    signup_deadline = _datetime_field(
        _("报名截止时间"), required=False, help_text=_("不填则开始前都可以报名。")
    )
    capacity = forms.IntegerField(
        label=_("名额"),
        min_value=1,
        max_value=1000,
        initial=10,
        error_messages={
            "required": _("请填写名额。"),
            "min_value": _("名额至少为1人。"),
            "invalid": _("名额请填写整数。"),
        },
    )
    members_only = forms.BooleanField(
        label=_("仅限本网格名册成员报名"), required=False, initial=True
    )
    repeat_weeks = forms.IntegerField(
        label=_("每周重复"),
        initial=1,
        validators=[validate_repeat_weeks],
        widget=forms.NumberInput(attrs={"min": 1, "max": Shift.MAX_REPEAT_WEEKS}),
        error_messages={
            "invalid": _("重复周数请填写整数。"),
            "required": _("请填写重复周数。"),
        },
    )

    def __init__(self, *args, for_project=False, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_project:
            del self.fields["members_only"]
        if editing:
            del self.fields["repeat_weeks"]
        else:
            self.fields["repeat_weeks"].help_text = _(
                "同一时间每周发布一次，共几周（1–%(n)d）。"
            ) % {"n": Shift.MAX_REPEAT_WEEKS}


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("签到码"),
        max_length=12,
        help_text=_("网格长在现场出示的6位签到码。"),
        error_messages={"required": _("请输入签到码。")},
    )


class AttendanceRowForm(forms.Form):
    """One person on the attendance list: came or not, and the hours to credit (checked
    by the service, which knows the shift's duration)."""

    signup = forms.IntegerField(widget=forms.HiddenInput)
    attended = forms.BooleanField(label=_("到场"), required=False)
    hours = forms.CharField(
        label=_("服务时长（小时）"),
        required=False,
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
    )


class BaseAttendanceFormSet(forms.BaseFormSet):
    """The attendance list of a shift, one row per sign-up, in the order of `signups`.
    Checked-in people start ticked; every row starts with the shift's duration."""

    def __init__(self, data=None, *, signups, default_hours, **kwargs):
        self.signups = {signup.pk: signup for signup in signups}
        initial = [
            {"signup": s.pk, "attended": s.checked_in_at is not None, "hours": default_hours}
            for s in signups
        ]
        super().__init__(data, initial=initial, prefix="attendance", **kwargs)
        self.max_num = len(signups)

    def clean(self):
        if any(self.errors):
            return
        posted = [form.cleaned_data.get("signup") for form in self.forms]
        if len(set(posted)) != len(posted) or not set(posted) <= set(self.signups):
            raise forms.ValidationError(_("出勤名单已有变化，请刷新页面后重新确认。"))

    def rows(self) -> list[tuple[forms.Form, object]]:
        """(row form, its sign-up) for the template; a row whose sign-up is unknown (a
        tampered or stale list) shows without a name."""
        rows = []
        for form in self.forms:
            value = form["signup"].value()
            signup = self.signups.get(int(value)) if str(value).isdigit() else None
            rows.append((form, signup))
        return rows

    def attended(self) -> set[int]:
        return {f.cleaned_data["signup"] for f in self.forms if f.cleaned_data["attended"]}

    def hours(self) -> dict[int, str]:
        return {f.cleaned_data["signup"]: f.cleaned_data["hours"].strip() for f in self.forms}


AttendanceFormSet = forms.formset_factory(
    AttendanceRowForm, formset=BaseAttendanceFormSet, extra=0, validate_max=True
)


class AttendanceReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("时长调整原因（修改时长时必填）"), required=False, max_length=300
    )


class CertificateForm(forms.Form):
    """Empty: issuing a certificate needs only the click (and the CSRF token)."""
