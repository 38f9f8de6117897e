from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm

from portal.filters import parse_id
from portal.models import Community, Grid, Street, User
from portal.selectors import current_privacy_version


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, field: str | None = None, joined=False
) -> None:
    """Show a service's ValidationError on `form`, the one way every app does it: errors
    about a field the form has go on that field, the others above the form (or on `field`).
    `joined` turns several sentences into one message."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(field, " ".join(error.messages) if joined else error)


def redisplayed_form(form_class, data, **kwargs) -> forms.BaseForm:
    """The form as posted, unbound so it shows no errors: "update the choices" without
    JavaScript (the linked selects narrow from the posted values)."""
    return form_class(initial=data.dict(), **kwargs)


class GridChoiceMixin(forms.Form):
    """Three linked selects, street → community → grid. Works without JavaScript (the
    choices narrow after each submit) and with it (static/js/grid-chooser.js refills the
    next select from /geo/ as soon as one changes)."""

    street = forms.ModelChoiceField(
        label=_("街道"), queryset=Street.objects.all(), required=False, empty_label=_("请选择街道")
    )
    community = forms.ModelChoiceField(
        label=_("社区"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("请选择社区"),
    )
    grid = forms.ModelChoiceField(
        label=_("网格"), queryset=Grid.objects.none(), required=False, empty_label=_("请选择网格")
    )
    grid_required = False

    def __init__(self, *args, initial_grid: Grid | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if initial_grid is not None and not self.is_bound:
            self.initial.setdefault("grid", initial_grid.pk)
            self.initial.setdefault("community", initial_grid.community_id)
            self.initial.setdefault("street", initial_grid.community.street_id)
        street_id = self._chosen("street")
        community_id = self._chosen("community")
        if street_id:
            self.fields["community"].queryset = Community.objects.filter(street_id=street_id)
        if community_id:
            self.fields["grid"].queryset = Grid.objects.filter(community_id=community_id)
        for name in ("street", "community", "grid"):
            self.fields[name].widget.attrs["data-geo"] = name
        self.fields["grid"].required = self.grid_required

    def _chosen(self, name):
        value = self.data.get(self.add_prefix(name)) if self.is_bound else self.initial.get(name)
        # Outside the ids' (bigint) range the database cannot even compare (500, not "none").
        return parse_id(value) if value is not None else None

    def clean(self):
        cleaned = super().clean()
        grid = cleaned.get("grid")
        community = cleaned.get("community")
        if grid and community and grid.community_id != community.pk:
            self.add_error("grid", _("所选网格不属于所选社区，请重新选择。"))
        if self.grid_required and not grid and not self.errors.get("grid"):
            self.add_error("grid", _("请依次选择街道、社区和网格。"))
        return cleaned


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with a display name and the privacy consent (required)."""

    display_name = forms.CharField(
        label=_("显示名称"),
        max_length=50,
        help_text=_("在网站上显示的称呼，例如“王阿姨”。"),
        error_messages={"required": _("请填写显示名称。")},
    )
    privacy_consent = forms.BooleanField(
        label=_("我已阅读并同意《隐私政策》"),
        required=True,
        error_messages={"required": _("注册前请阅读并同意隐私政策。")},
    )

    field_order = ["email", "display_name", "password1", "password2", "privacy_consent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        self.fields["privacy_consent"].help_text = format_html(
            '<a href="{}" target="_blank">{}</a>', "/privacy/", _("阅读隐私政策全文（新窗口）")
        )

    def custom_signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.privacy_consent_version = current_privacy_version(request)
        user.privacy_consent_at = timezone.now()
        user.save(update_fields=["display_name", "privacy_consent_version", "privacy_consent_at"])


class ProfileForm(GridChoiceMixin, forms.ModelForm):
    """The resident's own profile: name, mobile number (with its own consent), home grid."""

    mobile_consent = forms.BooleanField(
        label=_("我同意网格长和社区工作人员使用此手机号码联系我"),
        required=False,
    )

    class Meta:
        model = User
        fields = ["display_name", "mobile"]

    field_order = ["display_name", "mobile", "mobile_consent", "street", "community", "grid"]

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        super().__init__(*args, initial_grid=instance.home_grid if instance else None, **kwargs)
        self.fields["display_name"].required = True
        self.fields["display_name"].error_messages["required"] = _("请填写显示名称。")
        self.fields["mobile"].widget.attrs.update(inputmode="numeric", autocomplete="tel")
        if instance and instance.mobile_consent_at:
            self.fields["mobile_consent"].initial = True
        self.fields["grid"].help_text = _(
            "所在网格每 30 天只能修改一次。"
            "只面向指定区域的问卷，只接受问卷开始之前已设置网格的居民。"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mobile") and not cleaned.get("mobile_consent"):
            self.add_error("mobile_consent", _("填写手机号码需要单独同意其使用方式。"))
        return cleaned


class StaffUserEditForm(UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | {"display_name", "mobile"}


class StaffUserCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | {"display_name", "mobile"}


class HomeGridCorrectionForm(forms.Form):
    """A staff correction of a resident's home grid: the resident by e-mail, the grid by code."""

    email = forms.EmailField(
        label=_("居民的电子邮箱"),
        error_messages={"required": _("请输入居民注册时使用的电子邮箱。")},
    )
    grid = forms.CharField(
        label=_("正确的网格编码"),
        max_length=32,
        help_text=_("网格编码见网格列表，例如 37020300100201。"),
        error_messages={"required": _("请输入网格编码。")},
    )

    def clean_email(self):
        from portal.models import User

        email = self.cleaned_data["email"]
        user = User.objects.select_related("home_grid").filter(email__iexact=email).first()
        if user is None:
            raise forms.ValidationError(_("没有使用这个电子邮箱注册的账户。"))
        return user

    def clean_grid(self):
        from portal.models import Grid

        code = self.cleaned_data["grid"].strip()
        grid = Grid.objects.select_related("community").filter(code=code).first()
        if grid is None:
            raise forms.ValidationError(_("没有编码为“%(code)s”的网格。") % {"code": code})
        return grid


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=100, required=False)


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notification: site and email, site only, or off."""

    def __init__(self, *args, kinds, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        from portal.models import NotificationPreference

        for kind in kinds:
            self.fields[kind.kind] = forms.ChoiceField(
                label=kind.label,
                choices=NotificationPreference.CHANNELS,
                initial=current.get(kind.kind, kind.default),
                widget=forms.RadioSelect,
                required=False,
            )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("当前密码"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("请输入当前密码以确认注销。")},
    )
    confirm = forms.BooleanField(
        label=_("我了解注销后无法恢复，个人信息将被删除"),
        error_messages={"required": _("请勾选确认后再注销。")},
    )


class PrivacyConsentForm(forms.Form):
    accept = forms.BooleanField(
        label=_("我已阅读并同意更新后的《隐私政策》"),
        error_messages={"required": _("继续使用前请阅读并同意更新后的隐私政策。")},
    )
