"""One form per staff action on a case (受理, 派遣, 处置, 核查, 延期…). Each form only parses
input; the service it feeds holds the rules."""

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from cases.forms.common import MultipleFileInput, department_groups
from cases.models import CaseExtension
from portal.models import User
from portal.text import TextAreaField


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


# The note of a move along the state machine goes into the public 办理进展 (case_page.html,
# the API's timeline, Open311): staff are told before they type a name or a phone number.
PUBLIC_NOTE_HELP = _("会显示在公开的办理进展中，请不要写居民的姓名、电话等个人信息。")


class NoteForm(forms.Form):
    note = TextAreaField(
        label=_("说明（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=PUBLIC_NOTE_HELP,
    )


class RejectForm(forms.Form):
    reason = TextAreaField(
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
    note = TextAreaField(
        label=_("说明（可选）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=PUBLIC_NOTE_HELP,
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
    result = TextAreaField(
        label=_("处置结果"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=PUBLIC_NOTE_HELP,
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
    note = TextAreaField(
        label=_("核查意见"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=PUBLIC_NOTE_HELP,
    )


class ExtensionRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=CaseExtension.Kind.choices)
    hours = forms.IntegerField(
        label=_("延长的工作小时"),
        required=False,
        min_value=1,
        help_text=_("一个工作日按 7 小时计。"),
    )
    reason = TextAreaField(
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
    note = TextAreaField(
        label=_("审批意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TextForm(forms.Form):
    text = TextAreaField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class PhotoPublicForm(forms.Form):
    photo = forms.IntegerField(widget=forms.HiddenInput)
    public = forms.TypedChoiceField(
        choices=[("1", _("公开")), ("0", _("不公开"))], coerce=lambda value: value == "1"
    )
