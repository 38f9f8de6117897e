"""The fields every sign-up needs, for allauth's headless sign-up too.

allauth's headless API builds its sign-up input from ACCOUNT_SIGNUP_FORM_CLASS, not from
ACCOUNT_FORMS["signup"] (the site's portal.forms.SignupForm), so without this an app could
create an account without a display name and without accepting the privacy notice. The
site's form defines the same fields and sentences itself (and overrides custom_signup)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignupFields(forms.Form):
    display_name = forms.CharField(
        label=_("显示名称"),
        max_length=50,
        error_messages={"required": _("请填写显示名称。")},
    )
    privacy_consent = forms.BooleanField(
        label=_("我已阅读并同意《隐私政策》"),
        required=True,
        error_messages={"required": _("注册前请阅读并同意隐私政策。")},
    )

    def signup(self, request, user):
        from portal.selectors import current_privacy_version

        user.display_name = self.cleaned_data["display_name"]
        user.privacy_consent_version = current_privacy_version(request)
        user.privacy_consent_at = timezone.now()
        user.save(update_fields=["display_name", "privacy_consent_version", "privacy_consent_at"])
