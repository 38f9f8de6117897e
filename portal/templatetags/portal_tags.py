from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.forms import BoundField
from django.templatetags.static import static
from django.utils.html import format_html_join

from portal.sections import stylesheets

register = template.Library()


@register.filter
def accessible_widget(field: BoundField):
    """Render a field's widget tied to its help text and error message for screen readers."""
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def widget_kind(field: BoundField) -> str:
    """'checkbox', 'choices' (radio or checkbox list, in a fieldset) or 'input'."""
    input_type = getattr(field.field.widget, "input_type", "")
    if input_type == "checkbox" and not getattr(field.field.widget, "allow_multiple_selected", 0):
        return "checkbox"
    if field.use_fieldset:
        return "choices"
    return "input"


@register.simple_tag(takes_context=True)
def query_string(context, **changes):
    """The current query string with some parameters changed (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


def format_hours(value) -> str:
    """Service hours with two decimals ("2.00"), whatever type the database returned: a sum of
    a DecimalField is a Decimal on PostgreSQL but may be an int or a float on SQLite."""
    if value is None or value == "":
        return "0.00"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


@register.filter
def hours(value) -> str:
    """{{ total_hours|hours }} → "2.00": the one place service hours are formatted."""
    return format_hours(value)


@register.simple_tag
def app_stylesheets() -> str:
    """The `<link>`s of the stylesheets the feature apps register ("portal_stylesheets")."""
    return format_html_join(
        "\n  ", '<link rel="stylesheet" href="{}">', ((static(path),) for path in stylesheets())
    )
