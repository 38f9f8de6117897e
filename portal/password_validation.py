"""Password rules with messages in the site's languages.

Django 5.2's MinimumLengthValidator words its error with `%d`, while its Chinese catalogue
still holds the `%(min_length)d` wording of earlier releases: the sign-up, password change
and reset forms said "This password is too short…" in English on Chinese pages.
"""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule (8 characters by default), with its error through our catalogue."""

    def get_error_message(self):
        return ngettext(
            "密码太短，至少需要 %(min_length)d 个字符。",
            "密码太短，至少需要 %(min_length)d 个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}
