"""The one home for how a date or time is shown to a person.

Each language has its named formats in `portal/formats/<locale>/formats.py`, found by
Django through FORMAT_MODULE_PATH: the standard names (DATE_FORMAT, DATETIME_FORMAT,
MONTH_DAY_FORMAT, TIME_FORMAT …) work with Django's own `date` filter and
`formats.date_format`; the names Django lacks (MONTH_DAY_TIME_FORMAT) are read by
`date_shown` here and by the `date_as` template filter. Always in local time (Asia/Shanghai).

Machine formats (ISO 8601 in the API and `<time datetime>`, CSV and iCalendar timestamps)
are not shown to people and do not come from here.
"""

from datetime import date, datetime

from django.utils import dateformat, formats, timezone, translation

# The project's own names, beside Django's FORMAT_SETTINGS.
PROJECT_FORMATS = frozenset({"MONTH_DAY_TIME_FORMAT"})


def format_named(name: str, *, lang: str | None = None) -> str:
    """The format string of `name` in `lang` (the active language when None)."""
    if name not in PROJECT_FORMATS:
        return formats.get_format(name, lang=lang)
    lang = lang or translation.get_language() or "zh-hans"
    for module in formats.get_format_modules(lang):
        if hasattr(module, name):
            return getattr(module, name)
    # A language with no module of its own reads the site's first language.
    for module in formats.get_format_modules("zh-hans"):
        if hasattr(module, name):
            return getattr(module, name)
    raise ValueError(f"No date format named {name}")


def date_shown(value: date | datetime | None, name: str, *, lang: str | None = None) -> str:
    """`value` as a person reads it in `lang`: an aware datetime in local time, by the
    named format; "" for None."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if lang is None:
        return dateformat.format(value, format_named(name))
    # Month names ("Dec", "十二月") come from the active translation: switch it too.
    with translation.override(lang):
        return dateformat.format(value, format_named(name, lang=lang))
