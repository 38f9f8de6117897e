"""Multi-line text as people type it. A browser counts a line break as one character against a
textarea's maxlength but sends it as two (CR LF), so a text that fitted in the browser could
be refused as too long on the server. Every multi-line form field is a TextAreaField, whose
line breaks are LF before its length is checked; services that take text from the API too
normalise it with `normalize_newlines` before their own checks."""

from django import forms
from django.utils.text import normalize_newlines

__all__ = ["TextAreaField", "normalize_newlines"]


class TextAreaField(forms.CharField):
    """A CharField shown as a textarea, its line breaks counted (and stored) as one."""

    widget = forms.Textarea

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_newlines(value) if value else value
