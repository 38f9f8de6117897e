from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.forms import BoundField
from django.templatetags.static import static
from django.utils.html import format_html_join
from django.utils.translation import gettext as _

from portal.formats import date_shown
from portal.fragments import cached_fragment, version_signature
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


@register.filter(expects_localtime=True)
def date_as(value, name: str) -> str:
    """{{ shift.starts_at|date_as:"MONTH_DAY_TIME_FORMAT" }} → "12月8日 18:00" / "8 Dec 18:00":
    a named format of the active language (portal.formats), Django's names or the project's."""
    return date_shown(value, name)


@register.simple_tag
def app_stylesheets() -> str:
    """The `<link>`s of the stylesheets the feature apps register ("portal_stylesheets")."""
    return format_html_join(
        "\n  ", '<link rel="stylesheet" href="{}">', ((static(path),) for path in stylesheets())
    )


@register.simple_tag(takes_context=True)
def other_languages(context) -> list[dict]:
    """The same page in the other languages (the language is the URL's prefix: Chinese
    unprefixed, English under /en/), for the language switcher: links, no form, no cookie."""
    from django.conf import settings
    from django.utils.translation import get_language, get_language_info

    from portal.middleware import strip_language_prefix

    request = context.get("request")
    if request is None:
        return []
    path = strip_language_prefix(request.path)
    query = request.META.get("QUERY_STRING", "")
    current = get_language()
    links = []
    for code, _name in settings.LANGUAGES:
        if code == current:
            continue
        url = path if code == settings.LANGUAGE_CODE else f"/{code}{path}"
        info = get_language_info(code)
        links.append(
            {"code": code, "name": info["name_local"], "url": f"{url}?{query}" if query else url}
        )
    return links


@register.simple_tag(takes_context=True)
def csrf_token_lazy(context):
    """The CSRF field of a form shown on a page that anonymous visitors may get from a cache:
    for them an empty field that site.js fills from /csrf-token/ when the form is sent (the
    page itself sets no cookie); a signed-in person's page is private and gets the token."""
    from django.middleware.csrf import get_token
    from django.utils.html import format_html

    request = context.get("request")
    user = getattr(request, "user", None)
    if request is not None and user is not None and user.is_authenticated:
        return format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        )
    return format_html(
        '<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-lazy'
        ' data-csrf-error="{}">',
        _(
            "暂时无法提交：没能取得安全验证信息，您填写的内容还在。"
            "请检查网络后再点一次提交；仍不成功时请刷新页面。"
        ),
    )


@register.simple_tag(takes_context=True)
def main_navigation(context) -> str:
    """The links of the main navigation (首页, the menu pages, the links the apps register),
    the same for everyone: kept per language and per current link (the one marked
    aria-current) until a page changes. The signed-in person's own links stay in the
    header template, outside the fragment."""
    from django.template.loader import render_to_string

    from portal.context_processors import menu_pages
    from portal.sections import nav_items

    request = context.get("request")
    if request is None:
        return ""
    items = menu_pages(request) + nav_items()
    path = request.path
    current = path if path == "/" or any(item["url"] == path for item in items) else ""

    def render() -> str:
        return render_to_string(
            "includes/main_navigation.html", {"nav_items": items, "current": current}
        )

    return cached_fragment("navigation", render, vary=(current,))


@register.simple_tag
def fragment_version(*tags: str) -> str:
    """{% fragment_version "cases" as version %}: the versions of the page-cache tags a
    `{% cache %}` fragment shows (and "site"); put it among the fragment's vary-on values
    and a purge of those tags renders the fragment again (portal.fragments)."""
    return version_signature(tags)
