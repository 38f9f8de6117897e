from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    """The single place for the portal's account behaviour (allauth's adapter pattern)."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "email_taken": _("该电子邮箱已注册。请直接登录，或使用“忘记密码”找回。"),
    }

    def is_open_for_signup(self, request):
        return True

    def populate_username(self, request, user):
        # Users have no username; allauth must not try to set one.
        return None
