"""Number formats of the case statistics, in one place so that every page, table and chart
shows a rate the same way on SQLite and PostgreSQL."""

from django import template
from django.utils.translation import gettext as _

from cases.models.calendar import HANDLING_BUCKET_EDGES

register = template.Library()
# A percentile in the open last bucket of the histogram is only a lower bound.
OPEN_BUCKET_HOURS = HANDLING_BUCKET_EDGES[-2] / 60


@register.filter
def percent(value) -> str:
    """0.9234 → "92.3%"; no cases to divide by → "—"."""
    if value is None or value == "":
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def hours(value) -> str:
    if value is None or value == "":
        return "—"
    if value >= OPEN_BUCKET_HOURS:
        return _("%(hours)s 以上") % {"hours": f"{OPEN_BUCKET_HOURS:g}"}
    return f"{value:.1f}"
